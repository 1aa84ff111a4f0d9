import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('numbers API', async (t) => {
  const app = await buildTestApp(t)
  const admin = await createUserWithKey(app.db.prisma, 'ADMIN')
  const alice = await createUserWithKey(app.db.prisma)
  const bob = await createUserWithKey(app.db.prisma)
  const post = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/numbers', headers, payload: payload as object })

  t.test('registering a number answers 201 with the number and its id at the top level', async (t) => {
    const body = numberBody({ friendlyName: 'Sales line', monthlyPrice: '1.15', setupPrice: 0.5, region: 'CA', locality: 'San Francisco', areaCode: '415', userId: alice.user.id })
    const res = await post(admin.auth, body)
    t.equal(res.statusCode, 201)
    const number = res.json()
    t.type(number.id, 'string')
    t.match(number, {
      phoneNumber: body.phoneNumber,
      twilioSid: body.twilioSid,
      userId: alice.user.id,
      monthlyPrice: '1.15',
      setupPrice: '0.5',
      status: 'ACTIVE',
      capabilities: ['VOICE', 'SMS'],
      friendlyName: 'Sales line',
      totalCalls: 0,
    })
    const stored = await app.db.prisma.number.findUniqueOrThrow({ where: { id: number.id } })
    t.equal(stored.phoneNumber, body.phoneNumber)
  })

  t.test('without Twilio the answer says that ownership was not verified', async (t) => {
    const res = await post(admin.auth, numberBody({ monthlyPrice: '2' }))
    t.equal(res.statusCode, 201)
    t.equal(res.json().ownershipVerified, false)
    t.match(res.json().warnings, [/^ownership not verified: Twilio is not configured/])
  })

  t.test('only administrators set prices: anyone else naming one gets 403 naming the field and nothing is written', async (t) => {
    for (const field of ['monthlyPrice', 'setupPrice']) {
      const before = await app.db.prisma.number.count()
      const res = await post(alice.auth, numberBody({ [field]: '0' }))
      t.equal(res.statusCode, 403, field)
      t.equal(res.json().code, 'FORBIDDEN')
      t.match(res.json().message, new RegExp(`^${field}: only administrators set prices`))
      t.equal(await app.db.prisma.number.count(), before, 'nothing written')
    }
  })

  t.test('without Twilio a user registers without a price list: price 0, and the answer says so', async (t) => {
    const res = await post(alice.auth, numberBody())
    t.equal(res.statusCode, 201)
    t.match(res.json(), { userId: alice.user.id, monthlyPrice: '0', setupPrice: null, ownershipVerified: false })
    t.match(res.json().warnings, [/^ownership not verified/, /^monthlyPrice 0: without Twilio there is no price list/])
  })

  t.test('a duplicate phone number or Twilio SID answers 409 naming the field, whoever registered it, and writes nothing', async (t) => {
    const body = numberBody()
    t.equal((await post(alice.auth, body)).statusCode, 201)
    const samePhone = await post(alice.auth, numberBody({ phoneNumber: body.phoneNumber }))
    t.equal(samePhone.statusCode, 409)
    t.equal(samePhone.json().code, 'CONFLICT')
    t.equal(samePhone.json().message, 'phoneNumber: is already registered in did-edge')
    const sameSid = await post(bob.auth, numberBody({ twilioSid: body.twilioSid }))
    t.equal(sameSid.statusCode, 409)
    t.equal(sameSid.json().message, 'twilioSid: is already registered in did-edge')
    const othersNumber = await post(bob.auth, numberBody({ phoneNumber: body.phoneNumber }))
    t.equal(othersNumber.statusCode, 409)
    t.notMatch(othersNumber.body, alice.user.id, "another tenant's number: who owns it is not said")
    t.notMatch(othersNumber.body, alice.user.email)
    t.equal(await app.db.prisma.number.count({ where: { twilioSid: body.twilioSid } }), 1)
    t.equal(await app.db.prisma.number.count({ where: { phoneNumber: body.phoneNumber } }), 1)
  })

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a phone number that is not E.164', { phoneNumber: '4155550123' }, /^phoneNumber: must be an E\.164 number/],
    ['an E.164 number in no range of its plan', { phoneNumber: '+14151234567' }, /^phoneNumber: \+14151234567 is not a valid number of US$/],
    ['a number of another country', { phoneNumber: '+16045550123' }, /^phoneNumber: \+16045550123 is not a valid number of US \(it is a number of CA\)/],
    ['a toll-free number registered as a local one', { phoneNumber: '+18005550100' }, /^numberType: \+18005550100 is a TOLL_FREE number, not LOCAL/],
    ['a malformed Twilio SID', { twilioSid: 'PN123' }, /^twilioSid: /],
    ['an unknown number type', { numberType: 'VANITY' }, /^numberType: /],
    ['no capabilities', { capabilities: [] }, /^capabilities: at least one capability/],
    ['a negative price', { monthlyPrice: '-1' }, /^monthlyPrice: must be a non-negative amount/],
    ['a lowercase country', { countryCode: 'us' }, /^countryCode: /],
  ]
  for (const [what, override, message] of invalid) {
    t.test(`${what} answers 400 naming the field`, async (t) => {
      const before = await app.db.prisma.number.count()
      const res = await post(alice.auth, numberBody(override))
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.equal(await app.db.prisma.number.count(), before, 'nothing written')
    })
  }

  t.test('tags and notes may be given at registration; tags are trimmed and must not repeat', async (t) => {
    const res = await post(alice.auth, numberBody({ tags: [' sales', 'vip '], notes: 'Front desk line' }))
    t.equal(res.statusCode, 201)
    t.match(res.json(), { tags: ['sales', 'vip'], notes: 'Front desk line' })
    const repeated = await post(alice.auth, numberBody({ tags: ['vip', 'vip '] }))
    t.equal(repeated.statusCode, 400)
    t.match(repeated.json().message, /^tags: must not repeat a tag/)
  })

  t.test('an unknown field answers 400 naming it and writes nothing', async (t) => {
    const before = await app.db.prisma.number.count()
    const res = await post(alice.auth, numberBody({ voiceUrl: 'https://example.com/voice' }))
    t.equal(res.statusCode, 400)
    t.equal(res.json().code, 'VALIDATION_FAILED')
    t.match(res.json().message, /voiceUrl/)
    t.equal(await app.db.prisma.number.count(), before, 'nothing written')
  })

  t.test('a missing field answers 400 naming it', async (t) => {
    const { twilioAccountSid: _omitted, ...body } = numberBody()
    const res = await post(alice.auth, body)
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /^twilioAccountSid: /)
  })

  t.test('only an administrator registers a number for another user', async (t) => {
    const forBob = await post(alice.auth, numberBody({ userId: bob.user.id }))
    t.equal(forBob.statusCode, 403)
    const byAdmin = await post(admin.auth, numberBody({ userId: bob.user.id }))
    t.equal(byAdmin.statusCode, 201)
    t.equal(byAdmin.json().userId, bob.user.id)
    const ghost = await post(admin.auth, numberBody({ userId: 'no-such-user' }))
    t.equal(ghost.statusCode, 400)
    t.match(ghost.json().message, /^userId: /)
  })

  t.test('a number is read by its owner and by administrators; to anyone else it does not exist', async (t) => {
    const { ownershipVerified: _verified, warnings: _warnings, ...created } = (await post(alice.auth, numberBody())).json()
    const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: `/api/v1/numbers/${created.id}`, headers })
    const own = await get(alice.auth)
    t.equal(own.statusCode, 200)
    const { configurations, _count, ...number } = own.json()
    t.same(number, created)
    t.same(configurations, [])
    t.same(_count, { callLogs: 0, smsLogs: 0 })
    t.equal((await get(admin.auth)).statusCode, 200)
    const other = await get(bob.auth)
    t.equal(other.statusCode, 404)
    t.equal(other.json().code, 'NOT_FOUND')
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/numbers/nope', headers: alice.auth })).statusCode, 404)
  })

  t.test('the numbers routes require an API key', async (t) => {
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/numbers', payload: numberBody() })).statusCode, 401)
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/numbers/x' })).statusCode, 401)
  })

  const simpleConfiguration = (name: string) => ({
    name,
    routingRules: { defaultAction: 'voicemail', timeBasedRules: [], geographicRules: [], callerIdRules: [], failoverRules: [] },
  })

  t.test("one number comes with its configurations, oldest first, and counts of its call and SMS logs", async (t) => {
    const number = (await post(alice.auth, numberBody())).json()
    const configurationIds: string[] = []
    for (const [name, isActive] of [['First', true], ['Second', false]] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/numbers/${number.id}/configurations`,
        headers: alice.auth,
        payload: { ...simpleConfiguration(name), isActive },
      })
      t.equal(res.statusCode, 201)
      configurationIds.push(res.json().id)
    }
    const prisma = app.db.prisma
    const common = { numberId: number.id, twilioAccountSid: `AC${'a'.repeat(32)}`, fromNumber: '+12125550142', toNumber: number.phoneNumber }
    await prisma.callLog.create({ data: { ...common, userId: alice.user.id, twilioCallSid: `CA${'1'.repeat(32)}`, direction: 'INBOUND', status: 'COMPLETED' } })
    await prisma.callLog.create({ data: { ...common, userId: alice.user.id, twilioCallSid: `CA${'2'.repeat(32)}`, direction: 'INBOUND', status: 'BUSY' } })
    await prisma.smsLog.create({ data: { ...common, twilioMessageSid: `SM${'1'.repeat(32)}`, direction: 'INBOUND', body: 'hi', status: 'DELIVERED' } })

    const res = await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.id}`, headers: alice.auth })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(body._count, { callLogs: 2, smsLogs: 1 })
    t.same(body.configurations.map((c: { id: string }) => c.id), configurationIds)
    t.match(body.configurations, [{ name: 'First', isActive: true, numberId: number.id }, { name: 'Second', isActive: false }])
    const listed = await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.id}/configurations`, headers: alice.auth })
    t.same(body.configurations, listed.json().data, 'the same views as the configurations route')

    // Routing rules name forwarding destinations: a key without read:config does not see them.
    const numbersOnly = await createUserWithKey(prisma, 'ADMIN', ['read:numbers'])
    const narrow = await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.id}`, headers: numbersOnly.auth })
    t.equal(narrow.statusCode, 200)
    t.notOk('configurations' in narrow.json())
    t.same(narrow.json()._count, { callLogs: 2, smsLogs: 1 })
  })

  t.test("the routing routes of another user's number answer 404; support reads them but does not change them", async (t) => {
    const support = await createUserWithKey(app.db.prisma, 'SUPPORT')
    const number = (await post(bob.auth, numberBody())).json()
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/numbers/${number.id}/configurations`,
      headers: bob.auth,
      payload: simpleConfiguration('Bob'),
    })
    t.equal(created.statusCode, 201)
    const configurationId = created.json().id
    const call = { call: { from: '+12125550142', at: '2026-11-25T15:00:00Z' } }
    const requests = [
      { method: 'GET', url: `/api/v1/numbers/${number.id}/configurations` },
      { method: 'GET', url: `/api/v1/numbers/${number.id}/configurations/${configurationId}` },
      { method: 'POST', url: `/api/v1/numbers/${number.id}/configurations`, payload: simpleConfiguration('Intruder') },
      { method: 'PATCH', url: `/api/v1/numbers/${number.id}/configurations/${configurationId}`, payload: { name: 'Mine' } },
      { method: 'DELETE', url: `/api/v1/numbers/${number.id}/configurations/${configurationId}` },
      { method: 'POST', url: `/api/v1/numbers/${number.id}/simulate`, payload: call },
      { method: 'POST', url: '/api/v1/routing/simulate', payload: { numberId: number.id, ...call } },
    ] as const
    for (const request of requests) {
      const res = await app.inject({ ...request, headers: alice.auth })
      t.equal(res.statusCode, 404, `alice: ${request.method} ${request.url}`)
      t.equal(res.json().code, 'NOT_FOUND')
    }
    const rows = await app.db.prisma.numberConfiguration.findMany({ where: { numberId: number.id } })
    t.same(rows.map((r) => r.name), ['Bob'], 'nothing was created, changed or deleted')

    for (const request of [requests[0], requests[1], requests[5], requests[6]]) {
      const res = await app.inject({ ...request, headers: support.auth })
      t.equal(res.statusCode, 200, `support: ${request.method} ${request.url}`)
    }
    for (const request of [requests[2], requests[3], requests[4]]) {
      const res = await app.inject({ ...request, headers: support.auth })
      t.equal(res.statusCode, 403, `support: ${request.method} ${request.url}`)
      t.match(res.json().message, /write:config/)
    }
  })
})
