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
    const body = numberBody({ friendlyName: 'Sales line', setupPrice: 0.5, region: 'CA', locality: 'San Francisco', areaCode: '415' })
    const res = await post(alice.auth, body)
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

  t.test('a duplicate phone number or Twilio SID answers 409 and writes nothing', async (t) => {
    const body = numberBody()
    t.equal((await post(alice.auth, body)).statusCode, 201)
    const samePhone = await post(alice.auth, numberBody({ phoneNumber: body.phoneNumber }))
    t.equal(samePhone.statusCode, 409)
    t.equal(samePhone.json().code, 'CONFLICT')
    const sameSid = await post(bob.auth, numberBody({ twilioSid: body.twilioSid }))
    t.equal(sameSid.statusCode, 409)
    t.equal(await app.db.prisma.number.count({ where: { twilioSid: body.twilioSid } }), 1)
  })

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a phone number that is not E.164', { phoneNumber: '4155550123' }, /^phoneNumber: must be an E\.164 number/],
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
    const created = (await post(alice.auth, numberBody())).json()
    const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: `/api/v1/numbers/${created.id}`, headers })
    const own = await get(alice.auth)
    t.equal(own.statusCode, 200)
    t.same(own.json(), created)
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
})
