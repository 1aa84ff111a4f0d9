import t, { type Test } from 'tap'
import { parseXml } from '../routing/fixtures/xml.js'
import { buildTestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { postSigned, smsParams, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'
import { WEBHOOK_OUTCOMES } from '../../src/webhooks/scope.js'

const NUMBER = '+14155550100'

const configuration = {
  name: 'Main line',
  isActive: true,
  timezone: 'America/New_York',
  callForwarding: { destination: '+14155550111' },
  routingRules: {
    defaultAction: 'forward',
    callerIdRules: [
      { id: 'blocked', name: 'Blocked caller', patterns: ['+13105550000', 'anonymous'], action: { type: 'reject' }, priority: 1 },
      {
        id: 'menu',
        name: 'Menu for partners',
        patterns: ['+1646555XXXX'],
        action: {
          type: 'ivr',
          options: { prompt: 'Press 1 for sales', menu: { '1': { type: 'forward', destination: '+14155550122' } } },
        },
        priority: 2,
      },
      {
        id: 'texters',
        name: 'Texters get a reply',
        patterns: ['+1917555XXXX'],
        action: { type: 'voicemail', options: { reply: 'Thanks, we will call you back' } },
        priority: 3,
      },
    ],
    geographicRules: [],
    timeBasedRules: [],
    failoverRules: [{ id: 'backup', attempts: 1, delay: 0, destinations: ['+14155550133'] }],
  },
}

/** Valid TwiML: well-formed XML whose root is <Response>, far below Twilio's 64 kB limit. */
function assertTwiml(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  t.equal(res.statusCode, 200)
  t.match(String(res.headers['content-type']), /^text\/xml/)
  t.ok(res.body.length < 64 * 1024, 'below 64 kB')
  t.equal(parseXml(res.body).name, 'Response')
}

t.test('Twilio webhooks', async (t) => {
  const app = await buildTestApp(t, twilioEnv)
  const prisma = app.db.prisma
  const owner = await createUserWithKey(prisma)
  const number = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: owner.auth, payload: numberBody({ phoneNumber: NUMBER }) })).json()
  const saved = await app.inject({ method: 'POST', url: `/api/v1/numbers/${number.id}/configurations`, headers: owner.auth, payload: configuration })
  t.equal(saved.statusCode, 201)

  t.test('a voice call is answered with the routed TwiML and logged after the answer', async (t) => {
    const params = voiceParams(NUMBER, '+12125550199', { FromCountry: 'US', FromState: 'NY', FromCity: 'NEW YORK' })
    const res = await postSigned(app, '/twilio/voice', params)
    assertTwiml(t, res)
    t.match(res.body, /<Dial[^>]*action="\/twilio\/voice\/dial-result\?[^"]*"[^>]*><Number>\+14155550111<\/Number><\/Dial>/)
    const log = await eventually(() => prisma.callLog.findUnique({ where: { twilioCallSid: params.CallSid as string } }), 10_000, 'call log')
    t.match(log, { status: 'RINGING', direction: 'INBOUND', fromNumber: '+12125550199', toNumber: NUMBER, numberId: number.id, userId: owner.user.id, fromState: 'NY' })
    const counted = await eventually(async () => {
      const n = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
      return n.totalCalls >= 1 ? n : undefined
    })
    t.ok(counted.lastUsedAt instanceof Date)
  })

  t.test('a caller-ID rule rejects, as its only verb', async (t) => {
    const res = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+13105550000'))
    assertTwiml(t, res)
    t.match(res.body, /<Response><Reject reason="rejected"\/><\/Response>/)
  })

  t.test('a busy forward continues with failover, then ends', async (t) => {
    const first = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+12125550198'))
    const action = parseXml(first.body).children[0]?.attrs.action as string
    t.match(action, /^\/twilio\/voice\/dial-result\?/)
    const busy = await postSigned(app, action, { ...voiceParams(NUMBER, '+12125550198'), DialCallStatus: 'busy' })
    assertTwiml(t, busy)
    t.match(busy.body, /<Number>\+14155550133<\/Number>/)
    const next = parseXml(busy.body).children.find((c) => c.name === 'Dial')?.attrs.action as string
    const exhausted = await postSigned(app, next, { ...voiceParams(NUMBER, '+12125550198'), DialCallStatus: 'no-answer' })
    assertTwiml(t, exhausted)
    t.match(exhausted.body, /<Record|<Hangup\/>/)
    const answered = await postSigned(app, action, { ...voiceParams(NUMBER, '+12125550198'), DialCallStatus: 'completed' })
    t.match(answered.body, /<Hangup\/>/)
  })

  t.test('an IVR digit is routed to its menu action', async (t) => {
    const first = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+16465550100'))
    assertTwiml(t, first)
    const gather = parseXml(first.body).children.find((c) => c.name === 'Gather')
    t.ok(gather, 'a Gather')
    const chosen = await postSigned(app, gather?.attrs.action as string, { ...voiceParams(NUMBER, '+16465550100'), Digits: '1' })
    assertTwiml(t, chosen)
    t.match(chosen.body, /<Number>\+14155550122<\/Number>/)
  })

  t.test('a continuation URL that is not ours ends the call politely', async (t) => {
    const res = await postSigned(app, '/twilio/voice/dial-result?v=9&junk=1', { ...voiceParams(NUMBER, '+1212'), DialCallStatus: 'busy' })
    assertTwiml(t, res)
    t.match(res.body, /<Hangup\/>/)
  })

  t.test('an unknown number is rejected for voice and left unanswered for SMS', async (t) => {
    const voice = await postSigned(app, '/twilio/voice', voiceParams('+19995550000', '+12125550100'))
    assertTwiml(t, voice)
    t.match(voice.body, /<Response><Reject\/><\/Response>/)
    const sms = await postSigned(app, '/twilio/sms', smsParams('+19995550000', '+12125550100', 'hello'))
    assertTwiml(t, sms)
    t.match(sms.body, /<Response\/>|<Response><\/Response>/)
  })

  t.test('a missing or wrong signature answers 403 and is counted', async (t) => {
    const before = await app.inject({ method: 'GET', url: '/metrics' })
    const missing = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+12125550100'), { signature: null })
    t.equal(missing.statusCode, 403)
    const wrong = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+12125550100'), { token: 'another-token' })
    t.equal(wrong.statusCode, 403)
    const tampered = await postSigned(app, '/twilio/sms', smsParams(NUMBER, '+1', 'x'), { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })
    t.equal(tampered.statusCode, 403)
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /did_edge_webhook_signature_failures_total\{endpoint="voice"\} 2/)
    t.match(metrics, /did_edge_webhook_signature_failures_total\{endpoint="sms"\} 1/)
    t.notMatch(before.body, /signature_failures_total\{endpoint="voice"\} [1-9]/)
  })

  const odd: Array<[string, Record<string, string | string[]>]> = [
    ['no From', { CallSid: 'CAodd1', To: NUMBER }],
    ['no To', { CallSid: 'CAodd2', From: '+12125550100' }],
    ['nothing at all', {}],
    ['an anonymous caller', voiceParams(NUMBER, 'anonymous') as Record<string, string>],
    ['a client: caller', voiceParams(NUMBER, 'client:alice') as Record<string, string>],
    ['unknown parameters', { ...(voiceParams(NUMBER, '+12125550100') as Record<string, string>), StirVerstat: 'TN-Validation-Passed-A', FutureParam: 'x' }],
    ['repeated keys', { ...(voiceParams(NUMBER, '+12125550100') as Record<string, string>), From: ['+12125550100', '+13105550000'] }],
    ['unicode everywhere', { ...(voiceParams(NUMBER, '+12125550100') as Record<string, string>), FromCity: 'ZÜRICH 🚀', CallerName: '名前 <&>"\'' }],
    ['a 100 kB field', { ...(voiceParams(NUMBER, '+12125550100') as Record<string, string>), CallerName: 'x'.repeat(100 * 1024) }],
  ]
  for (const [what, params] of odd) {
    t.test(`a signed voice webhook with ${what} still answers valid TwiML`, async (t) => {
      assertTwiml(t, await postSigned(app, '/twilio/voice', params))
    })
    t.test(`a signed SMS webhook with ${what} still answers valid TwiML`, async (t) => {
      assertTwiml(t, await postSigned(app, '/twilio/sms', params))
    })
  }

  t.test('an inbound SMS is answered and logged with its usage', async (t) => {
    const params = smsParams(NUMBER, '+19175550100', 'Call me <back> & soon', { NumSegments: '2', FromCountry: 'US' })
    const res = await postSigned(app, '/twilio/sms', params)
    assertTwiml(t, res)
    t.match(res.body, /<Message>Thanks, we will call you back<\/Message>/)
    const log = await eventually(() => prisma.smsLog.findUnique({ where: { twilioMessageSid: params.MessageSid as string } }), 10_000, 'sms log')
    t.match(log, { direction: 'INBOUND', body: 'Call me <back> & soon', numberId: number.id, fromNumber: '+19175550100' })
    const usage = await eventually(() => prisma.usageRecord.findMany({ where: { recordType: 'SMS_MESSAGE', resourceId: params.MessageSid as string } }).then((u) => (u.length > 0 ? u : undefined)))
    t.ok(usage.length >= 1)
  })

  t.test('status callbacks answer 204 and settle the call log in order, billing once', async (t) => {
    const params = voiceParams(NUMBER, '+12125550197')
    await postSigned(app, '/twilio/voice', params)
    const callback = (status: string, seq: number, extra: Record<string, string> = {}) =>
      postSigned(app, '/twilio/voice/status', { ...params, CallStatus: status, SequenceNumber: String(seq), CallbackSource: 'call-progress-events', ...extra })
    const completed = { CallDuration: '61' }
    for (const [status, seq, extra] of [
      ['in-progress', 1, {}],
      ['completed', 2, completed],
      ['ringing', 0, {}],
      ['completed', 2, completed],
    ] as const) {
      const res = await callback(status, seq, extra)
      t.equal(res.statusCode, 204)
      t.equal(res.body, '')
    }
    const log = await eventually(async () => {
      const row = await prisma.callLog.findUnique({ where: { twilioCallSid: params.CallSid as string } })
      return row?.status === 'COMPLETED' ? row : undefined
    }, 10_000, 'completed call log')
    t.equal(log.duration, 61)
    t.equal(log.billableDuration, 61)
    const usage = await eventually(() => prisma.usageRecord.findMany({ where: { recordType: 'VOICE_MINUTES', resourceId: params.CallSid as string } }).then((u) => (u.length > 0 ? u : undefined)))
    // Let any straggler write land before counting: billing must still be exactly once.
    await new Promise((r) => setTimeout(r, 300))
    t.equal(await prisma.usageRecord.count({ where: { recordType: 'VOICE_MINUTES', resourceId: params.CallSid as string } }), 1)
    t.equal(usage[0]?.quantity.toString(), '2', '61 s bill as 2 minutes')
    t.equal((await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: params.CallSid as string } })).status, 'COMPLETED', 'the late ringing did not move it back')
  })

  t.test('message status callbacks answer 204', async (t) => {
    const params = smsParams(NUMBER, '+19175550101', 'hi')
    await postSigned(app, '/twilio/sms', params)
    const res = await postSigned(app, '/twilio/sms/status', { ...params, MessageStatus: 'delivered' })
    t.equal(res.statusCode, 204)
  })

  t.test('the Fallback URL answers from the last known good configuration', async (t) => {
    const res = await postSigned(app, '/twilio/voice/fallback', { ...voiceParams(NUMBER, '+12125550196'), ErrorCode: '11200', ErrorUrl: `${'https://edge.example.com'}/twilio/voice` })
    assertTwiml(t, res)
    t.match(res.body, /<Number>\+14155550111<\/Number>/)
    const unknown = await postSigned(app, '/twilio/voice/fallback', voiceParams('+19995550001', '+12125550196'))
    assertTwiml(t, unknown)
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /did_edge_webhook_fallback_requests_total\{answer="last_known_good"\} 1/)
  })

  t.test('a number whose stored configuration cannot compile answers the safe default', async (t) => {
    // Written behind the API's back (the API would refuse it): the webhook must still answer.
    const broken = await prisma.number.create({ data: { ...numberBody({ phoneNumber: '+14155550177', monthlyPrice: '1.15' }), userId: owner.user.id } as never })
    await prisma.numberConfiguration.create({
      data: { numberId: broken.id, name: 'broken', isActive: true, routingRules: { defaultAction: 'forward', timeBasedRules: 'nope' } },
    })
    const res = await postSigned(app, '/twilio/voice', voiceParams('+14155550177', '+12125550100'))
    assertTwiml(t, res)
    t.match(res.body, /<Say[^>]*>[^<]+<\/Say><Hangup\/>/)
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /did_edge_webhook_safe_default_total\{endpoint="voice",cause="unavailable"\} 1/)
  })

  t.test('webhook metrics never carry a phone number', async (t) => {
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.notMatch(metrics, /\+1\d{6}/)
    t.match(metrics, /did_edge_webhook_requests_total\{endpoint="voice",outcome="routed"\}/)
    t.match(metrics, /did_edge_webhook_duration_seconds_bucket\{le="0.0005",endpoint="voice",outcome="routed"\}/)
  })
})

t.test('every endpoint starts with its request and signature-failure counters at zero, so alerts on rare outcomes work from the first scrape', async (t) => {
  const app = await buildTestApp(t, twilioEnv)
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const endpoints = ['voice', 'fallback', 'dial_result', 'ivr', 'queue_result', 'voicemail_done', 'screen', 'screen_result', 'voice_status', 'sms', 'sms_status']
  for (const endpoint of endpoints) {
    for (const outcome of WEBHOOK_OUTCOMES) {
      t.match(metrics, new RegExp(`did_edge_webhook_requests_total\\{endpoint="${endpoint}",outcome="${outcome}"\\} 0\\n`), `${endpoint} ${outcome}`)
    }
    t.match(metrics, new RegExp(`did_edge_webhook_signature_failures_total\\{endpoint="${endpoint}"\\} 0\\n`), `${endpoint} signature failures`)
  }
})
