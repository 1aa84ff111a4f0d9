/**
 * What reaches the Twilio scope that Twilio would never send. A request that cannot be verified
 * (an unreadable, oversized or foreign body, signed or not) is the one 403, counted as a
 * signature failure and never as an error or a safe default. A JSON body signed the way Twilio
 * signs one (bodySHA256) is verified and answered; whatever its fields hold, handlers see only
 * strings, and a status callback answers 204 even when something goes wrong.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import twilio from 'twilio'
import { buildTestApp } from '../helpers/app.js'
import { formBody, postSigned, TEST_BASE, TEST_TOKEN, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { sampleValue } from '../metrics/prometheus-text.js'

const BODY_LIMIT = 4096
const NUMBER = '+14155550180'

interface Counts {
  signatureFailures: number
  errors: number
  safeDefaultErrors: number
}

async function counts(app: FastifyInstance, endpoint: string): Promise<Counts> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  return {
    signatureFailures: sampleValue(text, 'did_edge_webhook_signature_failures_total', { endpoint }),
    errors: sampleValue(text, 'did_edge_webhook_requests_total', { endpoint, outcome: 'error' }),
    safeDefaultErrors: sampleValue(text, 'did_edge_webhook_safe_default_total', { endpoint, cause: 'error' }),
  }
}

/** Posts a JSON body the way Twilio signs one: the URL carries the body's hash, the signature covers the URL alone. */
function postSignedJson(app: FastifyInstance, path: string, body: string) {
  const pathAndQuery = `${path}?bodySHA256=${createHash('sha256').update(body, 'utf8').digest('hex')}`
  return app.inject({
    method: 'POST',
    url: pathAndQuery,
    headers: {
      'content-type': 'application/json',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}${pathAndQuery}`, {}),
    },
    payload: body,
  })
}

t.test('hostile bodies at the Twilio edge', async (t) => {
  const app = await buildTestApp(t, { ...twilioEnv, BODY_LIMIT_BYTES: String(BODY_LIMIT) })
  const signedForm = voiceParams(NUMBER, '+12125550100')
  const signature = twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}/twilio/voice`, signedForm as Record<string, string>)

  const unverifiable: Array<[string, Record<string, string>, string | Buffer]> = [
    ['malformed JSON', { 'content-type': 'application/json' }, '{'],
    ['a multipart body', { 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="To"\r\n\r\n+1\r\n--x--\r\n'],
    ['an octet stream', { 'content-type': 'application/octet-stream' }, Buffer.from([0, 1, 2, 255])],
    ['plain text', { 'content-type': 'text/plain' }, 'To=+14155550180'],
    ['a body without a content type', {}, 'To=+14155550180'],
    ['a form body over the limit', { 'content-type': 'application/x-www-form-urlencoded' }, `To=${'1'.repeat(BODY_LIMIT * 2)}`],
    ['a signed form body with a multipart content type', { 'content-type': 'multipart/form-data; boundary=x', 'x-twilio-signature': signature }, formBody(signedForm)],
    ['a signed form body declared as JSON', { 'content-type': 'application/json', 'x-twilio-signature': signature }, formBody(signedForm)],
    ['a signed form body padded over the limit', { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, `${formBody(signedForm)}&Pad=${'x'.repeat(BODY_LIMIT)}`],
    ['a JSON body without bodySHA256', { 'content-type': 'application/json', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}/twilio/voice`, {}) }, '{"To":"+14155550180"}'],
  ]
  for (const [what, headers, payload] of unverifiable) {
    t.test(`${what} is refused with 403, counted as a signature failure and never as an error`, async (t) => {
      const before = await counts(app, 'voice')
      const res = await app.inject({ method: 'POST', url: '/twilio/voice', headers, payload })
      t.equal(res.statusCode, 403)
      t.notMatch(res.body, /<Response/, 'no TwiML')
      const after = await counts(app, 'voice')
      t.equal(after.signatureFailures, before.signatureFailures + 1, 'one signature failure')
      t.equal(after.errors, before.errors, 'not an error')
      t.equal(after.safeDefaultErrors, before.safeDefaultErrors, 'not a safe default')
    })
  }

  t.test('a JSON body with a wrong hash is refused', async (t) => {
    const body = '{"To":"+14155550180"}'
    const pathAndQuery = `/twilio/voice?bodySHA256=${createHash('sha256').update('{}').digest('hex')}`
    const res = await app.inject({
      method: 'POST',
      url: pathAndQuery,
      headers: { 'content-type': 'application/json', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}${pathAndQuery}`, {}) },
      payload: body,
    })
    t.equal(res.statusCode, 403)
  })

  t.test('a signed JSON body is verified and answered, nulls and non-strings included', async (t) => {
    const before = await counts(app, 'voice')
    const res = await postSignedJson(app, '/twilio/voice', JSON.stringify({ CallSid: 'CAjson1', To: null, From: 5, Caller: { x: 1 }, Digits: [1, null, 'x'], ToCountry: true }))
    t.equal(res.statusCode, 200)
    t.match(res.body, /<Response><Reject\/><\/Response>/, 'no To: the unknown-number answer, not the safe default')
    const routedShape = await postSignedJson(app, '/twilio/sms', JSON.stringify({ MessageSid: 'SMjson1', To: NUMBER, From: '+12125550100', Body: 'hi' }))
    t.equal(routedShape.statusCode, 200)
    t.match(routedShape.body, /<Response\/>|<Response><\/Response>/)
    t.same(await counts(app, 'voice'), before, 'no error, no signature failure')
  })

  t.test('a signed JSON status callback with nulls answers 204 without an error', async (t) => {
    const before = await counts(app, 'voice_status')
    const res = await postSignedJson(app, '/twilio/voice/status', JSON.stringify({ CallSid: null, CallStatus: 7, To: null, SequenceNumber: 2 }))
    t.equal(res.statusCode, 204)
    t.same(await counts(app, 'voice_status'), before)
  })

  t.test('a signed body that is not JSON after all is a failure of a verified request: safe default, and 204 for status callbacks', async (t) => {
    const voiceBefore = await counts(app, 'voice')
    const voice = await postSignedJson(app, '/twilio/voice', '{')
    t.equal(voice.statusCode, 200)
    t.match(voice.body, /<Response><Say/, 'the voice safe default')
    const voiceAfter = await counts(app, 'voice')
    t.equal(voiceAfter.errors, voiceBefore.errors + 1)
    t.equal(voiceAfter.safeDefaultErrors, voiceBefore.safeDefaultErrors + 1)

    for (const endpoint of ['voice_status', 'sms_status']) {
      const before = await counts(app, endpoint)
      const res = await postSignedJson(app, endpoint === 'voice_status' ? '/twilio/voice/status' : '/twilio/sms/status', '{"CallSid":')
      t.equal(res.statusCode, 204, `${endpoint} answers 204`)
      t.equal(res.body, '')
      t.equal((await counts(app, endpoint)).errors, before.errors + 1, `${endpoint} counts the error`)
    }
  })

  t.test('a signed request with no body at all is answered without an error', async (t) => {
    for (const [path, endpoint, status] of [['/twilio/voice', 'voice', 200], ['/twilio/voice/status', 'voice_status', 204], ['/twilio/sms', 'sms', 200]] as const) {
      const before = await counts(app, endpoint)
      const res = await app.inject({ method: 'POST', url: path, headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}${path}`, {}) } })
      t.equal(res.statusCode, status, path)
      t.same(await counts(app, endpoint), before, `${path}: no error`)
    }
  })

  t.test('signed form webhooks are answered as before', async (t) => {
    const res = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+12125550100'))
    t.equal(res.statusCode, 200)
    t.match(res.body, /<Response><Reject\/><\/Response>/)
  })
})
