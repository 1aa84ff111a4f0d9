// POST /numbers with Twilio configured: the account must own the number, and prices come from
// Twilio's price list unless an administrator sets them. The real twilio client talks to the
// local fake of Twilio's REST API.
import t from 'tap'
import { buildTestApp, productionEnv } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('registering with Twilio configured', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, fake.env)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const post = (auth: Record<string, string>, payload: object) => app.inject({ method: 'POST', url: '/api/v1/numbers', headers: auth, payload })
  /** A body for a number the fake's account owns. */
  const owned = (overrides: Record<string, unknown> = {}) => {
    const body = numberBody({ twilioAccountSid: fake.accountSid, ...overrides })
    fake.own(body.phoneNumber as string, { sid: body.twilioSid })
    return body
  }
  const lookupsOf = (sid: string) => fake.requestsTo('GET', new RegExp(`/Accounts/${fake.accountSid}/IncomingPhoneNumbers/${sid}\\.json$`))

  t.test("a number the account owns is registered, verified, at the price list's price", async (t) => {
    const body = owned()
    const res = await post(alice.auth, body)
    t.equal(res.statusCode, 201)
    t.match(res.json(), { phoneNumber: body.phoneNumber, userId: alice.user.id, monthlyPrice: '1.15', setupPrice: '0', currency: 'USD' })
    t.equal(res.json().ownershipVerified, true)
    t.same(res.json().warnings, [])
    t.equal(lookupsOf(body.twilioSid).length, 1, 'Twilio was asked about that SID')
  })

  t.test('a toll-free number costs what a purchase of it would: list price and setup fee', async (t) => {
    const body = owned({ phoneNumber: '+18885550142', numberType: 'TOLL_FREE' })
    const res = await post(alice.auth, body)
    t.equal(res.statusCode, 201)
    t.match(res.json(), { monthlyPrice: '2.15', setupPrice: '5' })
  })

  t.test('an administrator may set the price', async (t) => {
    const res = await post(admin.auth, owned({ monthlyPrice: '0', setupPrice: '0', userId: bob.user.id }))
    t.equal(res.statusCode, 201)
    t.match(res.json(), { userId: bob.user.id, monthlyPrice: '0', setupPrice: '0', ownershipVerified: true })
  })

  const refusals: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['a SID the account does not have', () => numberBody({ twilioAccountSid: fake.accountSid }), /^twilioSid: the configured Twilio account has no number PN/],
    [
      "another number's SID",
      () => ({ ...owned(), phoneNumber: numberBody().phoneNumber }),
      /^phoneNumber: PN[0-9a-f]{32} is not \+1415/,
    ],
    ['another account', () => owned({ twilioAccountSid: `AC${'f'.repeat(32)}` }), /^twilioAccountSid: must be the account that owns PN/],
  ]
  for (const [what, body, message] of refusals) {
    t.test(`${what} answers 400 naming the field and writes nothing`, async (t) => {
      const before = await prisma.number.count()
      const res = await post(alice.auth, body())
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.equal(await prisma.number.count(), before)
    })
  }

  t.test('a number registered already answers 409 before Twilio is asked', async (t) => {
    const body = owned()
    t.equal((await post(bob.auth, body)).statusCode, 201)
    const again = await post(alice.auth, { ...body, twilioSid: `PN${'e'.repeat(32)}` })
    t.equal(again.statusCode, 409)
    t.equal(again.json().message, 'phoneNumber: is already registered in did-edge')
    t.equal(lookupsOf(`PN${'e'.repeat(32)}`).length, 0)
  })

  t.test('when Twilio cannot answer the registration is a 502 and nothing is written', async (t) => {
    const body = owned()
    fake.fail({ method: 'GET', path: new RegExp(`/IncomingPhoneNumbers/${body.twilioSid}\\.json$`), status: 500, times: 1 })
    const res = await post(alice.auth, body)
    t.equal(res.statusCode, 502)
    t.equal(res.json().code, 'UPSTREAM_ERROR')
    t.equal(await prisma.number.count({ where: { phoneNumber: body.phoneNumber as string } }), 0)
    t.equal((await post(alice.auth, body)).statusCode, 201, 'a retry succeeds')
  })
})

t.test('in production without Twilio only administrators register, and the answer says ownership was not verified', async (t) => {
  const app = await buildTestApp(t, productionEnv)
  const admin = await createUserWithKey(app.db.prisma, 'ADMIN')
  const alice = await createUserWithKey(app.db.prisma)
  const refused = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })
  t.equal(refused.statusCode, 503)
  t.match(refused.json().message, /needs Twilio to prove the account owns it: set TWILIO_ACCOUNT_SID/)
  t.equal(await app.db.prisma.number.count(), 0)
  const byAdmin = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: admin.auth, payload: numberBody({ monthlyPrice: '1.15', userId: alice.user.id }) })
  t.equal(byAdmin.statusCode, 201)
  t.match(byAdmin.json(), { userId: alice.user.id, monthlyPrice: '1.15', ownershipVerified: false })
})
