// Several did-edge processes working as one, the way they are deployed: two server instances
// and a separate ingest worker on one Postgres and one Redis. Everything goes through their
// real HTTP ports and real process boundaries; the only thing the test does directly is read
// the database to count what arrived.
import t from 'tap'
import twilio from 'twilio'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { type ServerProcess, spawnScript, spawnServer, waitForListening } from '../helpers/server-process.js'
import { formBody, type Params, TEST_BASE, TEST_TOKEN, voiceParams } from '../helpers/twilio.js'
import { numberBody } from '../helpers/users.js'
import { startReceiver } from '../outbound/receiver.js'

const ADMIN_KEY = 'cluster-admin-key-0123456789abcdefghij'
const CALLS = 60

const configuration = (forwardVip: boolean) => ({
  name: 'Cluster',
  isActive: true,
  timezone: 'UTC',
  routingRules: {
    defaultAction: 'voicemail',
    timeBasedRules: [],
    geographicRules: [],
    callerIdRules: forwardVip
      ? [{ id: 'vip', name: 'VIP', patterns: ['+1212555XXXX'], action: { type: 'forward', destination: '+14155550199' }, priority: 1 }]
      : [],
    failoverRules: [],
  },
})

t.test('two instances and a worker work as one', async (t) => {
  const { url: databaseUrl, db } = await createTestDatabase(t, { migrate: true })
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: testKeyPrefix(t),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    TWILIO_AUTH_TOKEN: TEST_TOKEN,
    PUBLIC_BASE_URL: TEST_BASE,
    JWT_SECRET: 'cluster-jwt-secret-0123456789abcdefghij',
    BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
    BOOTSTRAP_ADMIN_API_KEY: ADMIN_KEY,
    // Events go to the Redis stream only: the separate worker writes them.
    INGEST_CONSUMER: 'false',
  }
  const a = await waitForListening(spawnServer(t, env))
  const b = await waitForListening(spawnServer(t, env))
  const startWorker = () => spawnScript(t, 'src/worker.ts', { ...env, LOG_LEVEL: 'info' })
  let worker: ServerProcess = startWorker()

  const api = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, json: text ? JSON.parse(text) : null }
  }
  const webhook = async (base: string, path: string, params: Params) => {
    const signature = twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}${path}`, params as Record<string, string>)
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: formBody(params),
    })
    return { status: res.status, body: await res.text() }
  }

  // A number with a configuration, created through instance A.
  const number = await api(a, 'POST', '/numbers', numberBody())
  t.equal(number.status, 201)
  const phone = number.json.phoneNumber as string
  const config = await api(a, 'POST', `/numbers/${number.json.id}/configurations`, configuration(false))
  t.equal(config.status, 201)

  // Outbound webhooks: every started call is delivered once to this receiver, whichever
  // instance's delivery worker picks it up.
  const receiver = await startReceiver(t)
  const endpoint = await api(a, 'POST', '/webhook-endpoints', { url: receiver.url, events: ['CALL_STARTED'] })
  t.equal(endpoint.status, 201, JSON.stringify(endpoint.json))
  receiver.secret = endpoint.json.secret

  t.test('both instances answer webhooks from the same configuration', async (t) => {
    for (const base of [a, b]) {
      const res = await webhook(base, '/twilio/voice', voiceParams(phone, '+12125550100'))
      t.equal(res.status, 200)
      t.notMatch(res.body, /<Dial/, 'voicemail before the change')
    }
  })

  t.test('a change through one instance routes calls on the other within a second', async (t) => {
    const changed = await api(a, 'PATCH', `/numbers/${number.json.id}/configurations/${config.json.id}`, { routingRules: configuration(true).routingRules })
    t.equal(changed.status, 200)
    const started = Date.now()
    let body = ''
    while (Date.now() - started < 1000) {
      body = (await webhook(b, '/twilio/voice', voiceParams(phone, '+12125550100'))).body
      if (body.includes('+14155550199')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    t.match(body, /<Number>\+14155550199<\/Number>/, 'instance B forwards the VIP caller')
    t.comment(`seen by the other instance after ${Date.now() - started} ms`)
  })

  t.test('every call is written once although the worker is killed mid-stream, and delivered once', async (t) => {
    const sids: string[] = []
    const sendCall = async (i: number) => {
      const params = voiceParams(phone, `+1646555${String(1000 + i).slice(-4)}`)
      sids.push(params.CallSid as string)
      const base = i % 2 === 0 ? a : b
      t.equal((await webhook(base, '/twilio/voice', params)).status, 200)
      const done = { ...params, CallStatus: 'completed', CallDuration: '30', SequenceNumber: '2', CallbackSource: 'call-progress-events' }
      t.equal((await webhook(base === a ? b : a, '/twilio/voice/status', done)).status, 204)
    }
    for (let i = 0; i < CALLS / 2; i++) await sendCall(i)
    // The worker is consuming: kill it without warning (no ack, no goodbye), then start another.
    await eventually(async () => (await db.prisma.callLog.count({ where: { twilioCallSid: { in: sids } } })) > 0, 30_000)
    worker.child.kill('SIGKILL')
    await worker.exited
    for (let i = CALLS / 2; i < CALLS; i++) await sendCall(i)
    worker = startWorker()

    await eventually(async () => (await db.prisma.usageRecord.count({ where: { resourceId: { in: sids } } })) === CALLS, 60_000)
    const logs = await db.prisma.callLog.findMany({ where: { twilioCallSid: { in: sids } } })
    t.equal(logs.length, CALLS, 'one call log per call')
    t.ok(logs.every((log) => log.status === 'COMPLETED' && log.duration === 30), 'each completed, none moved backwards')
    t.equal(await db.prisma.usageRecord.count({ where: { resourceId: { in: sids } } }), CALLS, 'billed exactly once each')

    // Deliveries: one per started call (the configuration calls above started some too).
    const started = await db.prisma.callLog.count()
    await eventually(() => receiver.uniqueIds().length === started, 30_000)
    t.equal(receiver.requests.filter((r) => r.verified !== null).length, started, 'no delivery was sent twice')
    t.ok(receiver.requests.every((r) => r.error === null), 'every signature verifies')
  })
})
