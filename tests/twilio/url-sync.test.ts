// PATCH /numbers/:id sends changed webhook settings to Twilio before it writes the row.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const BASE = 'https://edge.example.com'

t.test('webhook changes are synced to Twilio', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: BASE })
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const owned = async () => {
    const body = numberBody({ twilioAccountSid: fake.accountSid })
    fake.own(body.phoneNumber, { sid: body.twilioSid })
    const res = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: body })
    return res.json() as { id: string; phoneNumber: string; twilioSid: string }
  }
  const patch = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/api/v1/numbers/${id}`, headers: alice.auth, payload })
  const updatesOf = (sid: string) => fake.requestsTo('POST', new RegExp(`/IncomingPhoneNumbers/${sid}\\.json$`))

  t.test("a changed URL reaches Twilio with the number's whole webhook configuration, then the row", async (t) => {
    const number = await owned()
    const res = await patch(number.id, { voiceUrl: 'https://pbx.example.com/answer', smsMethod: 'GET' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { voiceUrl: 'https://pbx.example.com/answer', smsMethod: 'GET' })
    const [sent, ...more] = updatesOf(number.twilioSid)
    t.equal(more.length, 0)
    t.equal(sent?.path, `/2010-04-01/Accounts/${fake.accountSid}/IncomingPhoneNumbers/${number.twilioSid}.json`)
    // The columns left null mean did-edge's own webhooks.
    t.same(sent?.form, {
      VoiceUrl: 'https://pbx.example.com/answer',
      VoiceMethod: 'POST',
      VoiceFallbackUrl: `${BASE}/twilio/voice/fallback`,
      VoiceFallbackMethod: 'POST',
      StatusCallback: `${BASE}/twilio/voice/status`,
      StatusCallbackMethod: 'POST',
      SmsUrl: `${BASE}/twilio/sms`,
      SmsMethod: 'GET',
      SmsFallbackUrl: '',
      SmsFallbackMethod: 'POST',
      VoiceCallerIdLookup: 'false',
    })
    t.match(fake.owned.get(number.twilioSid), { voice_url: 'https://pbx.example.com/answer', sms_method: 'GET' })
  })

  t.test('setting a URL back to null points Twilio at did-edge again', async (t) => {
    const number = await owned()
    t.equal((await patch(number.id, { smsUrl: 'https://sms.example.com/in' })).statusCode, 200)
    const res = await patch(number.id, { smsUrl: null })
    t.equal(res.statusCode, 200)
    t.equal(res.json().smsUrl, null)
    t.equal(fake.owned.get(number.twilioSid)?.sms_url, `${BASE}/twilio/sms`)
  })

  t.test('changes Twilio does not hold (name, tags, notes), or no real change, never call Twilio', async (t) => {
    const number = await owned()
    t.equal((await patch(number.id, { friendlyName: 'Desk', tags: ['a'], notes: 'n' })).statusCode, 200)
    t.equal((await patch(number.id, { voiceMethod: 'POST' })).statusCode, 200, 'POST was already the method')
    t.equal((await patch(number.id, { voiceUrl: `${BASE}/twilio/voice` })).statusCode, 200, "did-edge's own URL, which null already meant")
    t.equal(updatesOf(number.twilioSid).length, 0)
  })

  t.test("Twilio refusing: 502 with Twilio's error and the row is left exactly as it was", async (t) => {
    const number = await owned()
    const before = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
    fake.fail({ method: 'POST', path: new RegExp(`${number.twilioSid}\\.json$`), status: 400, code: 21502, message: 'Invalid callback url', times: 1 })
    const res = await patch(number.id, { statusCallback: 'http://status.example.com/cb', notes: 'with the URL' })
    t.equal(res.statusCode, 502)
    t.match(res.json(), { code: 'UPSTREAM_ERROR', details: { twilioCode: 21502, twilioMessage: 'Invalid callback url', status: 400 } })
    t.same(await prisma.number.findUniqueOrThrow({ where: { id: number.id } }), before)
    t.match(await prisma.auditLog.findFirst({ where: { action: 'UPDATE', resourceId: number.id } }), { success: false, errorMessage: /Invalid callback url/ })
  })

  t.test('Twilio unreachable: 502 and the row is unchanged', async (t) => {
    const number = await owned()
    fake.fail({ method: 'POST', path: new RegExp(`${number.twilioSid}\\.json$`), hangUp: true, times: 1 })
    const res = await patch(number.id, { voiceFallbackUrl: 'https://pbx.example.com/fallback' })
    t.equal(res.statusCode, 502)
    t.match(res.json().message, /Twilio could not be reached/)
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: number.id } })).voiceFallbackUrl, null)
  })

  t.test('a released number keeps its webhooks (409); its notes may still change', async (t) => {
    const number = await owned()
    t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/numbers/${number.id}`, headers: alice.auth })).statusCode, 200)
    const res = await patch(number.id, { voiceUrl: 'https://pbx.example.com/answer' })
    t.equal(res.statusCode, 409)
    t.equal((await patch(number.id, { notes: 'released in March' })).statusCode, 200)
  })
})

t.test('without Twilio configured a webhook change answers 503; other fields still change', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const created = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).json()
  const res = await app.inject({ method: 'PATCH', url: `/api/v1/numbers/${created.id}`, headers: alice.auth, payload: { smsUrl: 'https://sms.example.com/in' } })
  t.equal(res.statusCode, 503)
  t.match(res.json().message, /TWILIO_ACCOUNT_SID/)
  t.equal((await app.db.prisma.number.findUniqueOrThrow({ where: { id: created.id } })).smsUrl, null)
  const notes = await app.inject({ method: 'PATCH', url: `/api/v1/numbers/${created.id}`, headers: alice.auth, payload: { notes: 'fine' } })
  t.equal(notes.statusCode, 200)
})
