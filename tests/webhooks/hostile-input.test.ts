// Signed webhooks carrying bytes Postgres cannot store (NUL) in the fields did-edge looks up or
// logs, through a built app with Redis: the called number is a lookup key that cannot be ours,
// so it is unknown without asking the database (and the database breaker stays closed for
// every other number); the text fields are cleaned, so the call and the message are still
// logged and billed, and nothing is set aside in the dead-letter stream.
import { Redis } from 'ioredis'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { postSigned, smsParams, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const configuration = {
  name: 'Main line',
  isActive: true,
  timezone: 'America/New_York',
  callForwarding: { destination: '+14155550111' },
  routingRules: { defaultAction: 'forward', callerIdRules: [], geographicRules: [], timeBasedRules: [], failoverRules: [] },
}

t.test('hostile bytes in signed webhooks', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const app = await buildTestApp(t, { ...twilioEnv, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix })
  // The stream's consumer joins its group when the server listens (not when the app is built).
  await app.listen({ port: 0, host: '127.0.0.1' })
  const prisma = app.db.prisma
  const redis = new Redis(SHARED_REDIS_URL)
  t.teardown(() => redis.disconnect())
  const owner = await createUserWithKey(prisma)

  async function configuredNumber(): Promise<{ id: string; phoneNumber: string }> {
    const number = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: owner.auth, payload: numberBody() })).json()
    const saved = await app.inject({ method: 'POST', url: `/api/v1/numbers/${number.id}/configurations`, headers: owner.auth, payload: configuration })
    t.equal(saved.statusCode, 201)
    return number
  }
  const deadLetters = () => redis.xlen(`${keyPrefix}ingest:dead`)

  t.test('a called number with a NUL is unknown, and the next uncached number still routes', async (t) => {
    const number = await configuredNumber()
    const hostile = await postSigned(app, '/twilio/voice', voiceParams(`${number.phoneNumber.slice(0, 6)}\u0000${number.phoneNumber.slice(6)}`, '+12125550142'))
    t.equal(hostile.statusCode, 200)
    t.match(hostile.body, /<Response><Reject\/><\/Response>/, 'answered as an unknown number, not with the apology')

    const other = await configuredNumber()
    const routed = await postSigned(app, '/twilio/voice', voiceParams(other.phoneNumber, '+12125550142'))
    t.match(routed.body, /<Number>\+14155550111<\/Number>/, 'a number never loaded before is read from Postgres and routed at once')
    const sms = await postSigned(app, '/twilio/sms', smsParams(`+1\u0000${other.phoneNumber.slice(2)}`, '+12125550142', 'hi'))
    t.match(sms.body, /^<\?xml[^>]*>\s*(<Response\/>|<Response><\/Response>)$/, 'an SMS to such a number is left unanswered')
  })

  t.test('NUL in From, CallSid and Body still ends in the logs and the bill; nothing is dead-lettered', async (t) => {
    const number = await configuredNumber()
    const call = voiceParams(number.phoneNumber, '+1212555\u00000142')
    const callSid = call.CallSid as string
    call.CallSid = `${callSid.slice(0, 10)}\u0000${callSid.slice(10)}`
    const answered = await postSigned(app, '/twilio/voice', call)
    t.match(answered.body, /<Number>\+14155550111<\/Number>/, 'the call is routed')
    const completed = await postSigned(app, '/twilio/voice/status', { ...call, CallStatus: 'completed', CallDuration: '75', SequenceNumber: '3' })
    t.equal(completed.statusCode, 204)

    const message = smsParams(number.phoneNumber, '+1917555\u00000100', 'hello\u0000 there', { NumSegments: '2' })
    const messageSid = message.MessageSid as string
    const received = await postSigned(app, '/twilio/sms', { ...message, MessageSid: `${messageSid}\u0000`, SmsSid: `${messageSid}\u0000` })
    t.equal(received.statusCode, 200)

    const log = await eventually(
      () => prisma.callLog.findFirst({ where: { numberId: number.id, status: 'COMPLETED' } }),
      15_000,
      'the completed call in call_logs',
    )
    t.match(log, { twilioCallSid: callSid, fromNumber: '+12125550142', duration: 75, billableDuration: 75 }, 'stored without the NUL')
    const sms = await eventually(() => prisma.smsLog.findFirst({ where: { numberId: number.id } }), 15_000, 'the message in sms_logs')
    t.match(sms, { twilioMessageSid: messageSid, fromNumber: '+19175550100', body: 'hello there' })
    const usage = await eventually(async () => {
      const rows = await prisma.usageRecord.findMany({ where: { resourceId: { in: [callSid, messageSid] } }, orderBy: { recordType: 'asc' } })
      return rows.length === 2 ? rows : undefined
    }, 15_000, 'both billed')
    t.same(usage.map((u) => [u.recordType, u.quantity.toFixed(0)]), [['VOICE_MINUTES', '2'], ['SMS_MESSAGE', '2']])
    t.equal(await deadLetters(), 0, 'nothing in the dead-letter stream')
  })
})
