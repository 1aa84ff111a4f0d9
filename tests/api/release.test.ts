import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('DELETE /numbers/:id releases the number at Twilio', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: 'https://edge.example.com' })
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const support = await createUserWithKey(prisma, 'SUPPORT')
  /** A number the fake's account owns, registered in did-edge for `auth`'s user. */
  const owned = async (auth = alice.auth) => {
    const body = numberBody({ twilioAccountSid: fake.accountSid })
    fake.own(body.phoneNumber, { sid: body.twilioSid })
    const res = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: auth, payload: body })
    t.equal(res.statusCode, 201)
    return res.json() as { id: string; phoneNumber: string; twilioSid: string }
  }
  const release = (id: string, auth = alice.auth) => app.inject({ method: 'DELETE', url: `/api/v1/numbers/${id}`, headers: auth })
  const deletesOf = (sid: string) => fake.requestsTo('DELETE', new RegExp(`/IncomingPhoneNumbers/${sid}\\.json$`))

  t.test('success: Twilio releases it, the row is RELEASED with releasedAt, and stops routing', async (t) => {
    const number = await owned()
    const endpoint = await prisma.webhookEndpoint.create({
      data: { userId: alice.user.id, url: 'https://hooks.example.com/r', secret: 'whsec_x', events: ['NUMBER_RELEASED'], retryPolicy: {} },
    })
    t.ok(await app.routingCache.load(number.phoneNumber), 'routed before')
    const res = await release(number.id)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: number.id, status: 'RELEASED', releasedAt: String })
    const [sent, ...more] = deletesOf(number.twilioSid)
    t.equal(more.length, 0)
    t.equal(sent?.path, `/2010-04-01/Accounts/${fake.accountSid}/IncomingPhoneNumbers/${number.twilioSid}.json`)
    t.equal(sent?.authorized, true)
    t.notOk(fake.owned.has(number.twilioSid), 'Twilio no longer has it')

    const row = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
    t.equal(row.status, 'RELEASED', 'soft delete: the row stays')
    t.ok(row.releasedAt)
    t.equal(await app.routingCache.load(number.phoneNumber), null, 'a released number is unknown to routing')
    const read = await app.inject({ url: `/api/v1/numbers/${number.id}`, headers: alice.auth })
    t.equal(read.json().status, 'RELEASED')

    const [delivery] = await prisma.webhookDelivery.findMany({ where: { webhookEndpointId: endpoint.id } })
    t.match(delivery?.payload, { event: 'NUMBER_RELEASED', data: { numberId: number.id, phoneNumber: number.phoneNumber } })
    t.match(await prisma.notification.findFirst({ where: { userId: alice.user.id, title: 'Number released' } }), { type: 'SYSTEM' })
    const audit = await prisma.auditLog.findFirst({ where: { resource: 'number', action: 'DELETE', resourceId: number.id } })
    t.match(audit, { success: true, oldValues: { status: 'ACTIVE' }, newValues: { status: 'RELEASED' } })
  })

  t.test('releasing it again answers 409 and does not call Twilio', async (t) => {
    const number = await owned()
    t.equal((await release(number.id)).statusCode, 200)
    const again = await release(number.id)
    t.equal(again.statusCode, 409)
    t.match(again.json(), { code: 'CONFLICT', message: /already released/, details: { releasedAt: String } })
    t.equal(deletesOf(number.twilioSid).length, 1)
  })

  t.test("Twilio refusing: 502 with Twilio's code and message, the number stays ACTIVE, nothing recorded", async (t) => {
    const number = await owned()
    fake.fail({ method: 'DELETE', path: new RegExp(number.twilioSid), status: 400, code: 21710, message: 'Number is in use by an active Emergency Address', times: 1 })
    const res = await release(number.id)
    t.equal(res.statusCode, 502)
    t.match(res.json(), {
      code: 'UPSTREAM_ERROR',
      message: new RegExp(`Twilio refused to release \\${number.phoneNumber}: Number is in use by an active Emergency Address \\(Twilio error 21710, HTTP 400\\)`),
      details: { twilioCode: 21710, twilioMessage: 'Number is in use by an active Emergency Address', status: 400 },
    })
    const row = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
    t.equal(row.status, 'ACTIVE')
    t.equal(row.releasedAt, null)
    t.ok(fake.owned.has(number.twilioSid))
    t.equal(await prisma.webhookDelivery.count({ where: { event: 'NUMBER_RELEASED', payload: { path: ['data', 'numberId'], equals: number.id } } }), 0)
    t.match(await prisma.auditLog.findFirst({ where: { action: 'DELETE', resourceId: number.id } }), { success: false, errorMessage: /21710/ })
    t.equal((await release(number.id)).statusCode, 200, 'a later attempt Twilio accepts goes through')
  })

  t.test("a number Twilio does not have answers 502 with Twilio's 20404 and stays ACTIVE (reconcile settles it)", async (t) => {
    const number = await owned()
    fake.owned.delete(number.twilioSid)
    const res = await release(number.id)
    t.equal(res.statusCode, 502)
    t.equal(res.json().details.twilioCode, 20404)
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: number.id } })).status, 'ACTIVE')
  })

  t.test("another tenant's number answers 404; support may not release (403)", async (t) => {
    const bobs = await owned(bob.auth)
    t.equal((await release(bobs.id)).statusCode, 404)
    t.equal((await release(bobs.id, support.auth)).statusCode, 403)
    t.equal((await release('no-such-number')).statusCode, 404)
    t.equal(deletesOf(bobs.twilioSid).length, 0)
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: bobs.id } })).status, 'ACTIVE')
  })
})

t.test('without Twilio configured a release answers 503 and the number stays ACTIVE', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const created = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/numbers/${created.json().id}`, headers: alice.auth })
  t.equal(res.statusCode, 503)
  t.equal((await app.db.prisma.number.findUniqueOrThrow({ where: { id: created.json().id } })).status, 'ACTIVE')
})
