import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const businessHours = {
  name: 'Business hours',
  isActive: true,
  timezone: 'America/New_York',
  routingRules: {
    defaultAction: 'voicemail',
    timeBasedRules: [
      {
        id: 'weekdays',
        name: 'Weekdays',
        schedule: { timezone: 'America/New_York', rules: [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '09:00', timeTo: '17:00' }] },
        action: { type: 'forward', destination: '+14155550123' },
        priority: 2,
      },
    ],
    geographicRules: [],
    callerIdRules: [
      { id: 'vip', name: 'VIP', patterns: ['+1212555XXXX'], action: { type: 'forward', destination: '+14155550199' }, priority: 1 },
    ],
    failoverRules: [],
  },
}

t.test('configurations API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const newNumber = async () =>
    (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).json().id as string
  const url = (numberId: string, configId?: string) =>
    `/api/v1/numbers/${numberId}/configurations${configId ? `/${configId}` : ''}`

  t.test('a valid configuration is created (201), read back, and listed', async (t) => {
    const numberId = await newNumber()
    const res = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: businessHours })
    t.equal(res.statusCode, 201)
    const created = res.json()
    t.match(created, { numberId, name: 'Business hours', isActive: true, scheduleEnabled: false, voicemailEnabled: true })
    t.same(created.warnings, [])
    t.equal(created.routingRules.callerIdRules[0].id, 'vip')

    const read = await app.inject({ method: 'GET', url: url(numberId, created.id), headers: alice.auth })
    t.equal(read.statusCode, 200)
    const { warnings: _w, ...withoutWarnings } = created
    t.same(read.json(), withoutWarnings)

    const list = await app.inject({ method: 'GET', url: url(numberId), headers: alice.auth })
    t.same(list.json().data.map((c: { id: string }) => c.id), [created.id])
  })

  const refusals: Array<[string, (c: typeof businessHours) => unknown, string]> = [
    ['an unknown time zone', (c) => ({ ...c, timezone: 'Mars/Olympus' }), 'timezone'],
    [
      'a malformed time',
      (c) => {
        const copy = structuredClone(c)
        copy.routingRules.timeBasedRules[0]!.schedule.rules[0]!.timeTo = '17:60'
        return copy
      },
      'routingRules.timeBasedRules[0].schedule.rules[0].timeTo',
    ],
    [
      'a caller pattern outside the grammar',
      (c) => {
        const copy = structuredClone(c)
        copy.routingRules.callerIdRules[0]!.patterns = ['^\\+1.*$']
        return copy
      },
      'routingRules.callerIdRules[0].patterns[0]',
    ],
    [
      'a forward without a destination',
      (c) => {
        const copy = structuredClone(c)
        copy.routingRules.timeBasedRules[0]!.action = { type: 'forward' } as never
        return copy
      },
      'routingRules.timeBasedRules[0].action',
    ],
  ]
  for (const [what, mutate, path] of refusals) {
    t.test(`${what} answers 400 naming ${path} and writes nothing`, async (t) => {
      const numberId = await newNumber()
      const res = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: mutate(businessHours) as object })
      t.equal(res.statusCode, 400)
      const body = res.json()
      t.equal(body.code, 'VALIDATION_FAILED')
      t.ok(
        body.details.some((d: { path: string }) => d.path === path || d.path.startsWith(`${path}.`)),
        `details name ${path}: ${JSON.stringify(body.details)}`,
      )
      t.equal(await prisma.numberConfiguration.count({ where: { numberId } }), 0)
    })
  }

  t.test('an unknown top-level field answers 400', async (t) => {
    const numberId = await newNumber()
    const res = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: { ...businessHours, colour: 'blue' } })
    t.equal(res.statusCode, 400)
  })

  t.test('lint warnings come back with the saved configuration', async (t) => {
    const numberId = await newNumber()
    const dup = structuredClone(businessHours)
    dup.routingRules.callerIdRules.push({ ...dup.routingRules.callerIdRules[0]!, patterns: ['+14155550000'] })
    const res = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: dup })
    t.equal(res.statusCode, 201)
    t.ok(res.json().warnings.some((w: { code: string }) => w.code === 'duplicate_rule_id'), JSON.stringify(res.json().warnings))
  })

  t.test('a second active configuration without a schedule answers 409', async (t) => {
    const numberId = await newNumber()
    t.equal((await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: businessHours })).statusCode, 201)
    const second = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: { ...businessHours, name: 'Again' } })
    t.equal(second.statusCode, 409)
    t.equal(second.json().code, 'CONFLICT')
    // Inactive, or scheduled, ones may coexist with it.
    const inactive = await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: { ...businessHours, isActive: false } })
    t.equal(inactive.statusCode, 201)
    const scheduled = await app.inject({
      method: 'POST',
      url: url(numberId),
      headers: alice.auth,
      payload: { ...businessHours, scheduleEnabled: true, schedule: { timezone: 'UTC', rules: [{ dayOfWeek: [6, 0], timeFrom: '00:00', timeTo: '24:00' }] } },
    })
    t.equal(scheduled.statusCode, 201)
    // Activating the inactive one through PATCH is refused the same way.
    const activate = await app.inject({ method: 'PATCH', url: url(numberId, inactive.json().id), headers: alice.auth, payload: { isActive: true } })
    t.equal(activate.statusCode, 409)
    t.equal((await prisma.numberConfiguration.findUniqueOrThrow({ where: { id: inactive.json().id } })).isActive, false)
  })

  t.test('concurrent creations leave exactly one active unscheduled configuration', async (t) => {
    const numberId = await newNumber()
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: { ...businessHours, name: `race ${i}` } }),
      ),
    )
    t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409])
    t.equal(await prisma.numberConfiguration.count({ where: { numberId, isActive: true, scheduleEnabled: false } }), 1)
  })

  t.test('PATCH validates the merged configuration and writes nothing when it is invalid', async (t) => {
    const numberId = await newNumber()
    const created = (await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: businessHours })).json()
    const renamed = await app.inject({ method: 'PATCH', url: url(numberId, created.id), headers: alice.auth, payload: { name: 'Renamed', recordCalls: true } })
    t.equal(renamed.statusCode, 200)
    t.match(renamed.json(), { name: 'Renamed', recordCalls: true, timezone: 'America/New_York' })
    const bad = await app.inject({ method: 'PATCH', url: url(numberId, created.id), headers: alice.auth, payload: { scheduleEnabled: true } })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().details[0].path, 'schedule')
    const stored = await prisma.numberConfiguration.findUniqueOrThrow({ where: { id: created.id } })
    t.equal(stored.scheduleEnabled, false)
    t.equal(stored.name, 'Renamed')
  })

  t.test('DELETE removes the configuration (204), then it is gone (404)', async (t) => {
    const numberId = await newNumber()
    const created = (await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: businessHours })).json()
    t.equal((await app.inject({ method: 'DELETE', url: url(numberId, created.id), headers: alice.auth })).statusCode, 204)
    t.equal((await app.inject({ method: 'GET', url: url(numberId, created.id), headers: alice.auth })).statusCode, 404)
    t.equal((await app.inject({ method: 'DELETE', url: url(numberId, created.id), headers: alice.auth })).statusCode, 404)
  })

  t.test("another tenant's number and configurations answer 404 and stay untouched", async (t) => {
    const numberId = await newNumber()
    const created = (await app.inject({ method: 'POST', url: url(numberId), headers: alice.auth, payload: businessHours })).json()
    t.equal((await app.inject({ method: 'GET', url: url(numberId), headers: bob.auth })).statusCode, 404)
    t.equal((await app.inject({ method: 'POST', url: url(numberId), headers: bob.auth, payload: businessHours })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url: url(numberId, created.id), headers: bob.auth })).statusCode, 404)
    t.equal((await app.inject({ method: 'PATCH', url: url(numberId, created.id), headers: bob.auth, payload: { name: 'x' } })).statusCode, 404)
    t.equal((await app.inject({ method: 'DELETE', url: url(numberId, created.id), headers: bob.auth })).statusCode, 404)
    t.equal((await prisma.numberConfiguration.findUniqueOrThrow({ where: { id: created.id } })).name, 'Business hours')
  })

  t.test("a configuration is reached only through its own number", async (t) => {
    const first = await newNumber()
    const second = await newNumber()
    const created = (await app.inject({ method: 'POST', url: url(first), headers: alice.auth, payload: businessHours })).json()
    t.equal((await app.inject({ method: 'GET', url: url(second, created.id), headers: alice.auth })).statusCode, 404)
  })
})
