import t from 'tap'
import type { Prisma } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('usage API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const support = await createUserWithKey(prisma, 'SUPPORT')
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const carol = await createUserWithKey(prisma)

  const account = async (userId: string, currency = 'USD') =>
    (await prisma.billingAccount.create({ data: { userId, billingAddress: {}, currency } })).id
  const aliceAccount = await account(alice.user.id)
  const bobAccount = await account(bob.user.id)
  const carolAccount = await account(carol.user.id, 'EUR')
  const n1 = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).json().id as string
  const n2 = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).json().id as string

  // Shaped as src/ingest/usage-writer.ts writes them: events carry their SID as resourceId and
  // the number in metadata; a number's own fee has the number as resourceId.
  const record = (
    billingAccountId: string,
    recordType: Prisma.UsageRecordCreateManyInput['recordType'],
    resourceId: string,
    quantity: string,
    unitPrice: string,
    totalCost: string,
    usageDate: string,
    metadata: Prisma.InputJsonValue | undefined,
    currency = 'USD',
  ): Prisma.UsageRecordCreateManyInput => ({
    billingAccountId,
    recordType,
    resourceId,
    quantity,
    unit: recordType === 'VOICE_MINUTES' ? 'minutes' : recordType === 'PHONE_NUMBER' ? 'numbers' : 'segments',
    unitPrice,
    totalCost,
    currency,
    usageDate: new Date(usageDate),
    billingPeriod: usageDate.slice(0, 7),
    metadata,
  })
  const rows = {
    fee: record(aliceAccount, 'PHONE_NUMBER', n1, '1', '1.15', '1.15', '2026-11-01T00:00:00Z', undefined),
    call1: record(aliceAccount, 'VOICE_MINUTES', 'CA01', '2', '0.013', '0.026', '2026-11-02T10:00:00Z', { numberId: n1, billableSeconds: 90 }),
    sms1: record(aliceAccount, 'SMS_MESSAGE', 'SM01', '2', '0.0079', '0.0158', '2026-11-03T10:00:00Z', { numberId: n1, segments: 2 }),
    call2: record(aliceAccount, 'VOICE_MINUTES', 'CA02', '3', '0.013', '0.039', '2026-11-05T10:00:00Z', { numberId: n2, billableSeconds: 150 }),
    october: record(aliceAccount, 'VOICE_MINUTES', 'CA03', '1', '0.013', '0.013', '2026-10-20T10:00:00Z', { numberId: n1, billableSeconds: 30 }),
    bob: record(bobAccount, 'VOICE_MINUTES', 'CA04', '10', '0.013', '0.13', '2026-11-04T10:00:00Z', { numberId: 'bobs-number', billableSeconds: 600 }),
    carol: record(carolAccount, 'SMS_MESSAGE', 'SM02', '1', '0.05', '0.05', '2026-11-04T11:00:00Z', { numberId: 'carols-number', segments: 1 }, 'EUR'),
  }
  await prisma.usageRecord.createMany({ data: Object.values(rows) })
  const idOf = Object.fromEntries(
    (await prisma.usageRecord.findMany({ select: { id: true, resourceId: true } })).map((r) => [r.resourceId, r.id]),
  ) as Record<string, string>
  const id = (name: keyof typeof rows) => idOf[rows[name].resourceId as string]!

  const list = (headers: Record<string, string>, query = '') => app.inject({ method: 'GET', url: `/api/v1/usage${query}`, headers })
  const ids = (res: { json: () => { data: Array<{ id: string }> } }) => res.json().data.map((r) => r.id)
  const summary = (headers: Record<string, string>, query: string) => app.inject({ method: 'GET', url: `/api/v1/usage/summary?${query}`, headers })

  t.test('a user lists their usage newest first, amounts as decimal strings', async (t) => {
    const res = await list(alice.auth)
    t.equal(res.statusCode, 200)
    t.strictSame(ids(res), [id('call2'), id('sms1'), id('call1'), id('fee'), id('october')])
    t.strictSame(res.json().pagination, { page: 1, limit: 20, total: 5, totalPages: 1, hasNext: false, hasPrevious: false })
    t.match(res.json().data[2], {
      id: id('call1'),
      billingAccountId: aliceAccount,
      recordType: 'VOICE_MINUTES',
      resourceId: 'CA01',
      quantity: '2',
      unit: 'minutes',
      unitPrice: '0.013',
      totalCost: '0.026',
      currency: 'USD',
      usageDate: '2026-11-02T10:00:00.000Z',
      billingPeriod: '2026-11',
      metadata: { numberId: n1, billableSeconds: 90 },
    })
    t.strictSame(ids(await list(alice.auth, '?limit=2&page=3')), [id('october')])
  })

  t.test('each filter narrows the list', async (t) => {
    const cases: Array<[string, string, Array<keyof typeof rows>]> = [
      ['one type', '?type=SMS_MESSAGE', ['sms1']],
      ['several types', '?type=PHONE_NUMBER,SMS_MESSAGE', ['sms1', 'fee']],
      ['billing period', '?period=2026-10', ['october']],
      ["a number: its calls, messages and its own fee", `?numberId=${n1}`, ['sms1', 'call1', 'fee', 'october']],
      ['another number', `?numberId=${n2}`, ['call2']],
      ['usage date range, both ends included', '?dateFrom=2026-11-02T10:00:00Z&dateTo=2026-11-05T10:00:00Z', ['call2', 'sms1', 'call1']],
      ['usage date range, a day', '?dateFrom=2026-11-02&dateTo=2026-11-04', ['sms1', 'call1']],
      ['filters together', `?type=VOICE_MINUTES&period=2026-11&numberId=${n1}`, ['call1']],
    ]
    for (const [what, query, expected] of cases) {
      const res = await list(alice.auth, query)
      t.equal(res.statusCode, 200, what)
      t.strictSame(ids(res), expected.map(id), what)
    }
    t.strictSame(ids(await list(alice.auth, '?sortBy=totalCost')), [id('fee'), id('call2'), id('call1'), id('sms1'), id('october')], 'sortBy=totalCost')
  })

  t.test("a user never sees another user's usage; support and administrators see all", async (t) => {
    t.strictSame(ids(await list(bob.auth)), [id('bob')])
    t.strictSame(ids(await list(bob.auth, `?numberId=${n1}`)), [])
    t.strictSame(ids(await list(bob.auth, `?userId=${alice.user.id}`)), [])
    t.equal((await list(support.auth)).json().pagination.total, 7)
    t.strictSame(ids(await list(admin.auth, `?userId=${bob.user.id}`)), [id('bob')])
  })

  t.test("the summary sums a period's usage by type", async (t) => {
    const res = await summary(alice.auth, 'period=2026-11')
    t.equal(res.statusCode, 200)
    t.strictSame(res.json(), {
      period: '2026-11',
      currency: 'USD',
      byType: [
        { type: 'VOICE_MINUTES', quantity: '5', cost: '0.065', records: 2 },
        { type: 'SMS_MESSAGE', quantity: '2', cost: '0.0158', records: 1 },
        { type: 'PHONE_NUMBER', quantity: '1', cost: '1.15', records: 1 },
      ],
      totalCost: '1.2308',
    })
    t.strictSame((await summary(alice.auth, 'period=2026-10')).json().byType, [{ type: 'VOICE_MINUTES', quantity: '1', cost: '0.013', records: 1 }])
  })

  t.test("an empty period answers zero in the account's currency", async (t) => {
    t.strictSame((await summary(alice.auth, 'period=2025-01')).json(), { period: '2025-01', currency: 'USD', byType: [], totalCost: '0' })
    t.strictSame((await summary(carol.auth, 'period=2025-01')).json(), { period: '2025-01', currency: 'EUR', byType: [], totalCost: '0' })
  })

  t.test("a user's summary never includes another user's usage", async (t) => {
    t.strictSame((await summary(bob.auth, 'period=2026-11')).json().byType, [{ type: 'VOICE_MINUTES', quantity: '10', cost: '0.13', records: 1 }])
    t.strictSame((await summary(bob.auth, `period=2026-11&userId=${alice.user.id}`)).json().byType, [])
  })

  t.test('across accounts in several currencies, the summary asks for one', async (t) => {
    const mixed = await summary(admin.auth, 'period=2026-11')
    t.equal(mixed.statusCode, 400)
    t.match(mixed.json(), { code: 'BAD_REQUEST', message: /several currencies \(EUR, USD\)/ })
    const usd = await summary(admin.auth, 'period=2026-11&currency=USD')
    t.equal(usd.statusCode, 200)
    t.strictSame(usd.json().byType[0], { type: 'VOICE_MINUTES', quantity: '15', cost: '0.195', records: 3 })
    t.equal(usd.json().totalCost, '1.3608')
    t.strictSame((await summary(support.auth, 'period=2026-11&currency=EUR')).json().totalCost, '0.05')
  })

  t.test('bad input answers 400 naming the field; missing or insufficient credentials 401 / 403', async (t) => {
    const cases: Array<[Promise<{ statusCode: number; json: () => { message: string } }>, RegExp]> = [
      [list(alice.auth, '?type=CALLS'), /^querystring\.type\[0\]: /],
      [list(alice.auth, '?period=2026-13'), /^querystring\.period: must be a billing period/],
      [list(alice.auth, '?number=x'), /^querystring: .*number/],
      [list(alice.auth, '?dateFrom=2026-11-05&dateTo=2026-11-01'), /^querystring\.dateTo: must not be before dateFrom/],
      [summary(alice.auth, ''), /^querystring\.period: /],
      [summary(alice.auth, 'period=11-2026'), /^querystring\.period: must be a billing period/],
      [summary(alice.auth, 'period=2026-11&currency=usd'), /^querystring\.currency: /],
    ]
    for (const [pending, message] of cases) {
      const res = await pending
      t.equal(res.statusCode, 400)
      t.match(res.json().message, message)
    }
    t.equal((await list({})).statusCode, 401)
    const logsOnly = await createUserWithKey(prisma, 'USER', ['read:logs'])
    t.equal((await list(logsOnly.auth)).statusCode, 403)
    t.equal((await summary(logsOnly.auth, 'period=2026-11')).statusCode, 403)
  })
})
