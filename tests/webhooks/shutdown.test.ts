import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import twilio from 'twilio'
import { request } from 'undici'
import { createTestDatabase } from '../helpers/database.js'
import { testKeyPrefix } from '../helpers/redis.js'
import { eventually } from '../helpers/eventually.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'
import { formBody, voiceParams } from '../helpers/twilio.js'
import { numberBody } from '../helpers/users.js'

const NUMBER = '+14155550170'
const TOKEN = 'shutdown-test-token'
const ADMIN_KEY = `shutdown-admin-key-${randomBytes(8).toString('hex')}`

t.test('SIGTERM under load loses no answered call', async (t) => {
  const { url } = await createTestDatabase(t)
  const prefix = testKeyPrefix(t)
  const port = 20000 + Math.floor(Math.random() * 20000)
  const base = `http://127.0.0.1:${port}`
  const env = {
    DATABASE_URL: url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DEMO: 'false',
    PUBLIC_BASE_URL: base,
    TWILIO_AUTH_TOKEN: TOKEN,
    BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
    BOOTSTRAP_ADMIN_API_KEY: ADMIN_KEY,
  }
  const server = spawnServer(t, env)
  await waitForListening(server)
  const api = async (path: string, body: unknown) => {
    const res = await request(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return (await res.body.json()) as { id: string }
  }
  const number = await api('/numbers', numberBody({ phoneNumber: NUMBER }))
  await api(`/numbers/${number.id}/configurations`, {
    name: 'Line',
    isActive: true,
    routingRules: { defaultAction: 'forward', callerIdRules: [], geographicRules: [], timeBasedRules: [], failoverRules: [] },
    callForwarding: { destination: '+14155550171' },
  })

  const answered: string[] = []
  let sent = 0
  const call = async () => {
    const params = voiceParams(NUMBER, '+12125550100') as Record<string, string>
    sent += 1
    try {
      const res = await request(`${base}/twilio/voice`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${base}/twilio/voice`, params),
        },
        body: formBody(params),
      })
      const text = await res.body.text()
      if (res.statusCode === 200 && text.includes('<Dial')) answered.push(params.CallSid as string)
    } catch {
      // Refused once the server stopped listening: not answered, so not owed a log.
    }
  }
  // 20 workers call in a loop; SIGTERM lands while they are busy.
  let stop = false
  const workers = Array.from({ length: 20 }, async () => {
    while (!stop) await call()
  })
  await eventually(() => answered.length >= 300, 30_000, '300 answered calls')
  server.child.kill('SIGTERM')
  const code = await server.exited
  stop = true
  await Promise.all(workers)
  t.equal(code, 0, 'exited cleanly under load')
  t.ok(answered.length >= 300, `${answered.length} answered of ${sent} sent`)

  // Whatever was answered is in Postgres or waiting in the stream; the next start finishes it.
  const again = spawnServer(t, env)
  await waitForListening(again)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  const missing = await eventually(async () => {
    const { rows } = await client.query('SELECT twilio_call_sid FROM call_logs WHERE twilio_call_sid = ANY($1)', [answered])
    return rows.length === answered.length ? [] : undefined
  }, 30_000, 'every answered call in call_logs')
  t.same(missing, [])
  const { rows } = await client.query('SELECT count(*)::int AS n, count(DISTINCT twilio_call_sid)::int AS d FROM call_logs')
  t.equal(rows[0].n, rows[0].d, 'no call logged twice')
  again.child.kill('SIGTERM')
  t.equal(await again.exited, 0)
})
