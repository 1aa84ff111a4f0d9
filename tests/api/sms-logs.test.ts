import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Prisma } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey, registerNumberFor } from '../helpers/users.js'

const sid = () => `SM${randomBytes(16).toString('hex')}`

t.test('SMS logs API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const newNumber = (owner: { user: { id: string } }) => registerNumberFor(app, admin.auth, owner)
  const aliceMain = await newNumber(alice)
  const aliceSecond = await newNumber(alice)
  const bobMain = await newNumber(bob)

  const sms = (number: { id: string; phoneNumber: string }, createdAt: string, fields: Partial<Prisma.SmsLogUncheckedCreateInput> = {}) => ({
    numberId: number.id,
    twilioMessageSid: sid(),
    twilioAccountSid: `AC${'a'.repeat(32)}`,
    fromNumber: '+12125550100',
    toNumber: number.phoneNumber,
    direction: 'INBOUND' as const,
    body: 'Hello',
    status: 'DELIVERED' as const,
    createdAt: new Date(createdAt),
    ...fields,
  })
  const aliceRows = [
    sms(aliceMain, '2026-11-01T09:00:00Z', { body: 'Is the shop open on Sunday?', price: '0.0079', mediaUrls: ['https://example.com/a.jpg'] }),
    sms(aliceMain, '2026-11-02T09:00:00Z', { body: 'Get 50% off today', status: 'SENT' }),
    sms(aliceSecond, '2026-11-03T09:00:00Z', { direction: 'OUTBOUND', status: 'FAILED', errorCode: '30003', errorMessage: 'Unreachable', fromNumber: aliceSecond.phoneNumber, toNumber: '+33612345678' }),
    sms(aliceSecond, '2026-11-04T09:00:00Z', { status: 'QUEUED', body: 'STOP' }),
  ]
  const bobRows = [sms(bobMain, '2026-11-02T12:00:00Z', { body: 'Is the shop open?' })]
  await prisma.smsLog.createMany({ data: [...aliceRows, ...bobRows] })
  const stored = await prisma.smsLog.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
  const idOf = (row: { twilioMessageSid: string }) => stored.find((r) => r.twilioMessageSid === row.twilioMessageSid)!.id
  const aliceIds = [...aliceRows].reverse().map(idOf)

  const get = (headers: Record<string, string>, query = '') => app.inject({ method: 'GET', url: `/api/v1/sms-logs${query}`, headers })
  const ids = (res: { json: () => { data: Array<{ id: string }> } }) => res.json().data.map((r) => r.id)

  t.test("a user lists the messages of their numbers newest first, with every column", async (t) => {
    const res = await get(alice.auth)
    t.equal(res.statusCode, 200)
    t.strictSame(ids(res), aliceIds)
    t.strictSame(res.json().pagination, { page: 1, limit: 20, total: 4, totalPages: 1, hasNext: false, hasPrevious: false })
    t.strictSame(res.json().data[3], {
      id: idOf(aliceRows[0]!),
      numberId: aliceMain.id,
      twilioMessageSid: aliceRows[0]!.twilioMessageSid,
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      fromNumber: '+12125550100',
      toNumber: aliceMain.phoneNumber,
      direction: 'INBOUND',
      body: 'Is the shop open on Sunday?',
      mediaUrls: ['https://example.com/a.jpg'],
      status: 'DELIVERED',
      sentAt: null,
      deliveredAt: null,
      price: '0.0079',
      currency: 'USD',
      errorCode: null,
      errorMessage: null,
      createdAt: '2026-11-01T09:00:00.000Z',
    })
    const page2 = await get(alice.auth, '?limit=3&page=2')
    t.strictSame(ids(page2), aliceIds.slice(3))
    t.strictSame(page2.json().pagination, { page: 2, limit: 3, total: 4, totalPages: 2, hasNext: false, hasPrevious: true })
  })

  t.test('each filter narrows the list', async (t) => {
    const cases: Array<[string, string, number[]]> = [
      ['numberId', `?numberId=${aliceSecond.id}`, [2, 3]],
      ['direction', '?direction=OUTBOUND', [2]],
      ['statuses', '?status=FAILED,QUEUED', [2, 3]],
      ['from', `?from=${encodeURIComponent(aliceSecond.phoneNumber)}`, [2]],
      ['to', `?to=${encodeURIComponent('+33612345678')}`, [2]],
      ['date range, both ends included', '?dateFrom=2026-11-02T09:00:00Z&dateTo=2026-11-04T09:00:00Z', [1, 2, 3]],
      ['search over the body, case-insensitively', '?search=SHOP%20OPEN', [0]],
      ['search with a literal %', '?search=50%25', [1]],
      ['search over the message SID', `?search=${aliceRows[3]!.twilioMessageSid.slice(4, 20)}`, [3]],
      ['search over the to number', '?search=3361234', [2]],
    ]
    for (const [what, query, expected] of cases) {
      const res = await get(alice.auth, query)
      t.equal(res.statusCode, 200, what)
      t.strictSame(new Set(ids(res)), new Set(expected.map((i) => idOf(aliceRows[i]!))), what)
    }
  })

  t.test("a user never sees messages of another user's numbers", async (t) => {
    t.strictSame(ids(await get(bob.auth)), bobRows.map(idOf))
    t.strictSame(ids(await get(bob.auth, '?search=shop')), bobRows.map(idOf), "alice's matching message stays hidden")
    t.strictSame(ids(await get(bob.auth, `?numberId=${aliceMain.id}`)), [])
    t.strictSame(ids(await get(bob.auth, `?userId=${alice.user.id}`)), [])
  })

  t.test('support and administrators see every tenant and may filter by user', async (t) => {
    for (const who of [support, admin]) {
      t.strictSame(ids(await get(who.auth)), stored.map((r) => r.id))
      t.strictSame(ids(await get(who.auth, `?userId=${alice.user.id}`)), aliceIds)
    }
  })

  t.test('bad input answers 400 naming the field; missing or insufficient credentials 401 / 403', async (t) => {
    const unknown = await get(alice.auth, '?body=hello')
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().message, /^querystring: .*body/)
    const badStatus = await get(alice.auth, '?status=DELIVERED,LOST')
    t.equal(badStatus.statusCode, 400)
    t.match(badStatus.json().message, /^querystring\.status\[1\]: /)
    t.equal((await get({})).statusCode, 401)
    const billingOnly = await createUserWithKey(prisma, 'USER', ['read:billing'])
    t.equal((await get(billingOnly.auth)).statusCode, 403)
  })
})
