import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Prisma } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, registerNumberFor } from '../helpers/users.js'

t.test('call analytics API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  // Alice lives in New York: on 2 Nov 2026 (after the DST change of 1 Nov) that is UTC-5.
  await prisma.user.update({ where: { id: alice.user.id }, data: { timezone: 'America/New_York' } })

  const newNumber = (owner: { user: { id: string } }) => registerNumberFor(app, admin.auth, owner)
  const n1 = await newNumber(alice)
  const n2 = await newNumber(alice)
  const bobNumber = await newNumber(bob)

  const call = (userId: string, numberId: string | null, createdAt: string, fields: Partial<Prisma.CallLogUncheckedCreateInput>) => ({
    userId,
    numberId,
    twilioCallSid: `CA${randomBytes(16).toString('hex')}`,
    twilioAccountSid: `AC${'a'.repeat(32)}`,
    fromNumber: '+12125550100',
    toNumber: '+14155550100',
    direction: 'INBOUND' as const,
    status: 'COMPLETED' as const,
    createdAt: new Date(createdAt),
    ...fields,
  })
  const answeredAt = new Date('2026-11-02T00:00:00Z')
  await prisma.callLog.createMany({
    data: [
      // 1: 22:30 on 1 Nov in New York, 2 Nov in UTC. Answered.
      call(alice.user.id, n1.id, '2026-11-02T03:30:00Z', { status: 'COMPLETED', answerTime: answeredAt, duration: 120, price: '0.0200' }),
      // 2: 00:30 on 2 Nov in New York. Missed.
      call(alice.user.id, n1.id, '2026-11-02T05:30:00Z', { status: 'NO_ANSWER', duration: 0 }),
      // 3: answered, still in progress.
      call(alice.user.id, n2.id, '2026-11-02T15:00:00Z', { status: 'ANSWERED', answerTime: answeredAt, duration: 60, price: '0.0100' }),
      // 4: missed.
      call(alice.user.id, n2.id, '2026-11-02T16:00:00Z', { status: 'BUSY', price: '0.0010' }),
      // 5: COMPLETED without an answer time never connected: neither answered nor missed.
      call(alice.user.id, n1.id, '2026-11-02T17:00:00Z', { status: 'COMPLETED', duration: 0 }),
      // 6: still ringing, on no number: neither.
      call(alice.user.id, null, '2026-11-03T12:00:00Z', { status: 'RINGING' }),
      // 7: missed.
      call(alice.user.id, n1.id, '2026-11-03T13:00:00Z', { status: 'FAILED', duration: 0 }),
      // Outside [from, to): before from, and exactly at to.
      call(alice.user.id, n1.id, '2026-11-01T11:59:59Z', { status: 'COMPLETED', answerTime: answeredAt, duration: 999, price: '9' }),
      call(alice.user.id, n1.id, '2026-11-05T00:00:00Z', { status: 'COMPLETED', answerTime: answeredAt, duration: 999, price: '9' }),
      // Bob's call, inside the period.
      call(bob.user.id, bobNumber.id, '2026-11-02T12:00:00Z', { status: 'COMPLETED', answerTime: answeredAt, duration: 30, price: '0.5000' }),
    ],
  })

  const period = 'from=2026-11-01T12:00:00Z&to=2026-11-05T00:00:00Z'
  const get = (headers: Record<string, string>, query: string) => app.inject({ method: 'GET', url: `/api/v1/analytics/calls?${query}`, headers })
  const stats = (calls: number, answered: number, missed: number, totalDuration: number, averageDuration: number, cost: string) => ({
    calls,
    answered,
    missed,
    answerRate: calls === 0 ? 0 : answered / calls,
    totalDuration,
    averageDuration,
    cost,
  })
  const aliceTotals = stats(7, 2, 3, 180, 90, '0.031')

  t.test("per day, days are counted in the caller's time zone by default", async (t) => {
    const res = await get(alice.auth, `${period}&groupBy=day`)
    t.equal(res.statusCode, 200)
    t.strictSame(res.json(), {
      from: '2026-11-01T12:00:00.000Z',
      to: '2026-11-05T00:00:00.000Z',
      groupBy: 'day',
      timezone: 'America/New_York',
      totals: aliceTotals,
      groups: [
        { key: '2026-11-01', ...stats(1, 1, 0, 120, 120, '0.02') },
        { key: '2026-11-02', ...stats(4, 1, 2, 60, 60, '0.011') },
        { key: '2026-11-03', ...stats(2, 0, 1, 0, 0, '0') },
      ],
    })
  })

  t.test('an explicit time zone moves the day boundary', async (t) => {
    const res = await get(alice.auth, `${period}&groupBy=day&timezone=UTC`)
    t.equal(res.json().timezone, 'UTC')
    t.strictSame(res.json().groups, [
      { key: '2026-11-02', ...stats(5, 2, 2, 180, 90, '0.031') },
      { key: '2026-11-03', ...stats(2, 0, 1, 0, 0, '0') },
    ])
    t.strictSame(res.json().totals, aliceTotals, 'the totals do not depend on the zone')
  })

  t.test('per number, busiest first, labelled with the phone number; calls without a number form their own group', async (t) => {
    const res = await get(alice.auth, `${period}&groupBy=number`)
    t.equal(res.statusCode, 200)
    t.strictSame(res.json().totals, aliceTotals)
    t.strictSame(res.json().groups, [
      { key: n1.id, label: n1.phoneNumber, ...stats(4, 1, 2, 120, 120, '0.02') },
      { key: n2.id, label: n2.phoneNumber, ...stats(2, 1, 1, 60, 60, '0.011') },
      { key: null, ...stats(1, 0, 0, 0, 0, '0') },
    ])
  })

  t.test('numberId narrows to one number', async (t) => {
    const res = await get(alice.auth, `${period}&groupBy=number&numberId=${n2.id}`)
    t.strictSame(res.json().totals, stats(2, 1, 1, 60, 60, '0.011'))
    t.equal(res.json().groups.length, 1)
  })

  t.test('a period without calls answers zeros, not an error', async (t) => {
    const res = await get(alice.auth, 'from=2025-01-01&to=2025-02-01')
    t.equal(res.statusCode, 200)
    t.strictSame(res.json().totals, stats(0, 0, 0, 0, 0, '0'))
    t.strictSame(res.json().groups, [])
  })

  t.test("a user's analytics never count another user's calls; an administrator's count all", async (t) => {
    t.strictSame((await get(bob.auth, period)).json().totals, stats(1, 1, 0, 30, 30, '0.5'))
    t.strictSame((await get(bob.auth, `${period}&numberId=${n1.id}`)).json().totals, stats(0, 0, 0, 0, 0, '0'))
    t.strictSame((await get(bob.auth, `${period}&userId=${alice.user.id}`)).json().totals, stats(0, 0, 0, 0, 0, '0'))
    t.strictSame((await get(admin.auth, period)).json().totals, stats(8, 3, 3, 210, 70, '0.531'))
    t.strictSame((await get(admin.auth, `${period}&userId=${alice.user.id}`)).json().totals, aliceTotals)
  })

  t.test('bad periods, zones and groupings answer 400 naming the field', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['to=2026-11-05', /^querystring\.from: /],
      ['from=2026-11-05', /^querystring\.to: /],
      ['from=2026-11-05&to=2026-11-05', /^querystring\.to: must be after from/],
      ['from=2026-11-05&to=2026-11-01', /^querystring\.to: must be after from/],
      ['from=2025-01-01&to=2026-01-03', /^querystring\.to: must be at most 366 days after from/],
      [`${period}&timezone=Mars/Olympus`, /^querystring\.timezone: must be an IANA time zone/],
      [`${period}&groupBy=week`, /^querystring\.groupBy: /],
      [`${period}&color=red`, /^querystring: .*color/],
    ]
    for (const [query, message] of cases) {
      const res = await get(alice.auth, query)
      t.equal(res.statusCode, 400, query)
      t.match(res.json().message, message, query)
    }
    t.equal((await get(alice.auth, 'from=2025-01-01&to=2026-01-02')).statusCode, 200, '366 days exactly is allowed')
  })

  t.test('no credentials answer 401; a key without read:logs answers 403', async (t) => {
    t.equal((await get({}, period)).statusCode, 401)
    const billingOnly = await createUserWithKey(prisma, 'USER', ['read:billing'])
    t.equal((await get(billingOnly.auth, period)).statusCode, 403)
  })
})
