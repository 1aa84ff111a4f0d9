import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Prisma } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey, registerNumberFor } from '../helpers/users.js'

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`
const at = (iso: string) => new Date(iso)

t.test('call logs API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const newNumber = (owner: { user: { id: string } }) => registerNumberFor(app, admin.auth, owner)
  const aliceMain = await newNumber(alice)
  const aliceSecond = await newNumber(alice)
  const bobMain = await newNumber(bob)

  const log = (userId: string, number: { id: string; phoneNumber: string } | null, fields: Partial<Prisma.CallLogUncheckedCreateInput>) => ({
    userId,
    numberId: number?.id ?? null,
    twilioCallSid: sid('CA'),
    twilioAccountSid: `AC${'a'.repeat(32)}`,
    fromNumber: '+12125550100',
    toNumber: number?.phoneNumber ?? '+14155550000',
    direction: 'INBOUND' as const,
    status: 'COMPLETED' as const,
    ...fields,
  })

  // Alice: six calls over two numbers (two of them in the same millisecond), Bob: two.
  const aliceRows = [
    log(alice.user.id, aliceMain, { createdAt: at('2026-11-01T10:00:00Z'), duration: 60, billableDuration: 60, price: '0.0125', answerTime: at('2026-11-01T10:00:05Z'), endTime: at('2026-11-01T10:01:05Z'), tags: ['vip', 'sales'], quality: 'GOOD', fromCity: 'New York' }),
    log(alice.user.id, aliceMain, { createdAt: at('2026-11-02T10:00:00Z'), status: 'NO_ANSWER', duration: 0, fromNumber: '+33612345678' }),
    log(alice.user.id, aliceSecond, { createdAt: at('2026-11-03T10:00:00Z'), direction: 'OUTBOUND', status: 'BUSY', toNumber: '+442071234567', fromNumber: aliceSecond.phoneNumber }),
    log(alice.user.id, aliceSecond, { createdAt: at('2026-11-04T10:00:00Z'), duration: 300, status: 'COMPLETED' }),
    log(alice.user.id, aliceMain, { createdAt: at('2026-11-05T10:00:00Z'), duration: 30, status: 'FAILED' }),
    log(alice.user.id, aliceMain, { createdAt: at('2026-11-05T10:00:00Z'), duration: 45, status: 'CANCELLED' }),
  ]
  const bobRows = [
    log(bob.user.id, bobMain, { createdAt: at('2026-11-02T12:00:00Z'), fromNumber: '+12125550100' }),
    log(bob.user.id, bobMain, { createdAt: at('2026-11-06T12:00:00Z'), status: 'NO_ANSWER' }),
  ]
  await prisma.callLog.createMany({ data: [...aliceRows, ...bobRows] })
  const stored = await prisma.callLog.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
  const aliceIds = stored.filter((r) => r.userId === alice.user.id).map((r) => r.id)
  const bobIds = stored.filter((r) => r.userId === bob.user.id).map((r) => r.id)
  const sidOf = (i: number) => aliceRows[i]!.twilioCallSid
  const idOf = (i: number) => stored.find((r) => r.twilioCallSid === sidOf(i))!.id

  const get = (headers: Record<string, string>, query = '') => app.inject({ method: 'GET', url: `/api/v1/call-logs${query}`, headers })
  const ids = (res: { json: () => { data: Array<{ id: string }> } }) => res.json().data.map((r) => r.id)

  t.test('a user lists their own call logs newest first, ties broken by id, with the pagination shape', async (t) => {
    const res = await get(alice.auth)
    t.equal(res.statusCode, 200)
    t.strictSame(ids(res), aliceIds)
    t.strictSame(res.json().pagination, { page: 1, limit: 20, total: 6, totalPages: 1, hasNext: false, hasPrevious: false })

    const pages = await Promise.all([1, 2, 3].map((page) => get(alice.auth, `?limit=2&page=${page}`)))
    t.strictSame(pages.flatMap(ids), aliceIds, 'the pages partition the list, none repeated or lost at the same-millisecond tie')
    t.strictSame(pages[1]!.json().pagination, { page: 2, limit: 2, total: 6, totalPages: 3, hasNext: true, hasPrevious: true })
    t.strictSame(pages[2]!.json().pagination, { page: 3, limit: 2, total: 6, totalPages: 3, hasNext: false, hasPrevious: true })
    const beyond = await get(alice.auth, '?limit=2&page=4')
    t.strictSame(ids(beyond), [])
    t.equal(beyond.json().pagination.total, 6)
  })

  t.test('sortOrder=asc gives oldest first; sortBy=duration sorts by duration', async (t) => {
    t.strictSame(ids(await get(alice.auth, '?sortOrder=asc')), [...aliceIds].reverse())
    const byDuration = (await get(alice.auth, '?sortBy=duration&sortOrder=desc')).json().data.map((r: { duration: number | null }) => r.duration)
    t.strictSame(byDuration, [300, 60, 45, 30, 0, null], 'longest first, calls without duration last')
  })

  t.test('a call log shows every column: decimals as strings, instants as ISO strings', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/call-logs/${idOf(0)}`, headers: alice.auth })
    t.equal(res.statusCode, 200)
    t.strictSame(res.json(), {
      id: idOf(0),
      userId: alice.user.id,
      numberId: aliceMain.id,
      twilioCallSid: sidOf(0),
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      fromNumber: '+12125550100',
      toNumber: aliceMain.phoneNumber,
      direction: 'INBOUND',
      status: 'COMPLETED',
      answerTime: '2026-11-01T10:00:05.000Z',
      endTime: '2026-11-01T10:01:05.000Z',
      duration: 60,
      billableDuration: 60,
      quality: 'GOOD',
      recordingUrl: null,
      recordingSid: null,
      transcription: null,
      price: '0.0125',
      priceUnit: null,
      currency: 'USD',
      fromCity: 'New York',
      fromState: null,
      fromCountry: null,
      toCity: null,
      toState: null,
      toCountry: null,
      userAgent: null,
      callReason: null,
      tags: ['vip', 'sales'],
      createdAt: '2026-11-01T10:00:00.000Z',
    })
  })

  t.test('each filter narrows the list', async (t) => {
    const cases: Array<[string, string, number[]]> = [
      ['numberId', `?numberId=${aliceSecond.id}`, [2, 3]],
      ['direction', '?direction=OUTBOUND', [2]],
      ['one status', '?status=NO_ANSWER', [1]],
      ['statuses, comma-separated', '?status=BUSY,FAILED', [2, 4]],
      ['statuses, repeated', '?status=BUSY&status=CANCELLED', [2, 5]],
      ['from (exact)', `?from=${encodeURIComponent('+33612345678')}`, [1]],
      ['to (exact)', `?to=${encodeURIComponent('+442071234567')}`, [2]],
      ['dateFrom (inclusive)', '?dateFrom=2026-11-04T10:00:00Z', [3, 4, 5]],
      ['dateTo (inclusive)', '?dateTo=2026-11-02T10:00:00Z', [0, 1]],
      ['a date range', '?dateFrom=2026-11-02&dateTo=2026-11-04', [1, 2]],
      ['search over the from number', '?search=3361234', [1]],
      ['search over the to number', `?search=${encodeURIComponent('+44207')}`, [2]],
      ['search over the call SID, case-insensitively', `?search=${sidOf(3).slice(10, 24).toUpperCase()}`, [3]],
      ['filters together', `?numberId=${aliceMain.id}&status=COMPLETED,FAILED&dateFrom=2026-11-02`, [4]],
    ]
    for (const [what, query, expected] of cases) {
      const res = await get(alice.auth, query)
      t.equal(res.statusCode, 200, what)
      t.strictSame(new Set(ids(res)), new Set(expected.map(idOf)), what)
      t.equal(res.json().pagination.total, expected.length, `${what}: total`)
    }
  })

  t.test('search takes % and _ literally, not as wildcards', async (t) => {
    t.strictSame(ids(await get(alice.auth, '?search=%25')), [])
    t.strictSame(ids(await get(alice.auth, '?search=_')), [])
  })

  t.test("a user never sees another user's call logs", async (t) => {
    t.strictSame(ids(await get(bob.auth)), bobIds)
    t.strictSame(ids(await get(bob.auth, `?numberId=${aliceMain.id}`)), [], "naming alice's number shows nothing")
    t.strictSame(ids(await get(bob.auth, `?userId=${alice.user.id}`)), [], "naming alice's id shows nothing")
    const res = await app.inject({ method: 'GET', url: `/api/v1/call-logs/${idOf(0)}`, headers: bob.auth })
    t.equal(res.statusCode, 404)
    t.equal(res.json().code, 'NOT_FOUND')
    const ghost = await app.inject({ method: 'GET', url: '/api/v1/call-logs/no-such-log', headers: bob.auth })
    t.equal(ghost.statusCode, 404)
    t.equal(ghost.json().message, res.json().message, 'another tenant’s log and a missing one answer alike')
  })

  t.test('support and administrators see every tenant and may filter by user', async (t) => {
    for (const who of [support, admin]) {
      const all = await get(who.auth)
      t.strictSame(ids(all), stored.map((r) => r.id))
      t.strictSame(ids(await get(who.auth, `?userId=${bob.user.id}`)), bobIds)
      const one = await app.inject({ method: 'GET', url: `/api/v1/call-logs/${idOf(0)}`, headers: who.auth })
      t.equal(one.statusCode, 200)
    }
  })

  t.test('bad query parameters answer 400 naming them', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['?color=blue', /^querystring: .*color/],
      ['?status=ENDED', /^querystring\.status\[0\]: /],
      ['?direction=SIDEWAYS', /^querystring\.direction: /],
      ['?from=2125550100', /^querystring\.from: must be an E\.164 number/],
      ['?dateFrom=yesterday', /^querystring\.dateFrom: must be a date/],
      ['?limit=101', /^querystring\.limit: /],
      ['?dateFrom=2026-11-05&dateTo=2026-11-01', /^querystring\.dateTo: must not be before dateFrom/],
      ['?sortBy=price', /^querystring\.sortBy: /],
    ]
    for (const [query, message] of cases) {
      const res = await get(alice.auth, query)
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', query)
      t.match(res.json().message, message, query)
    }
  })

  t.test('no credentials answer 401; a key without read:logs answers 403', async (t) => {
    t.equal((await get({})).statusCode, 401)
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/call-logs/${idOf(0)}` })).statusCode, 401)
    const numbersOnly = await createUserWithKey(prisma, 'USER', ['read:numbers'])
    const res = await get(numbersOnly.auth)
    t.equal(res.statusCode, 403)
    t.equal(res.json().code, 'FORBIDDEN')
    const logsOnly = await createUserWithKey(prisma, 'USER', ['read:logs'])
    t.equal((await get(logsOnly.auth)).statusCode, 200)
  })
})
