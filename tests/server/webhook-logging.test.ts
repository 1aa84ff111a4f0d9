/**
 * At LOG_LEVEL=info a server writes nothing per answered webhook (Twilio's volume would turn
 * Fastify's two request lines into hundreds of megabytes a day), one warning without body or
 * stack per refused one, and keeps the API's request lines. Read from a real server's output.
 */
import t from 'tap'
import twilio from 'twilio'
import { request } from 'undici'
import { createTestDatabase } from '../helpers/database.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'
import { formBody, TEST_BASE, TEST_TOKEN, twilioEnv, voiceParams } from '../helpers/twilio.js'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  [key: string]: unknown
}

const BODY_MARKER = 'BODY-MARKER-7f3a'

t.test('webhooks log only what an operator needs at info', async (t) => {
  const { url } = await createTestDatabase(t)
  const server = spawnServer(t, { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DEMO: 'false', ...twilioEnv })
  const base = await waitForListening(server)

  const answered: string[] = []
  for (let i = 0; i < 5; i++) {
    const id = `answered-${i}`
    answered.push(id)
    for (const path of ['/twilio/voice', '/twilio/voice/status']) {
      const params = voiceParams('+14155550190', '+12125550100')
      const res = await request(`${base}${path}`, {
        method: 'POST',
        headers: {
          'x-request-id': `${id}${path.replaceAll('/', '-')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}${path}`, params as Record<string, string>),
        },
        body: formBody(params),
      })
      t.ok(res.statusCode === 200 || res.statusCode === 204, `${path} answered`)
      await res.body.dump()
    }
  }
  const refused = await request(`${base}/twilio/voice`, {
    method: 'POST',
    headers: { 'x-request-id': 'refused-json', 'content-type': 'application/json' },
    body: `{"Body":"${BODY_MARKER}"`,
  })
  t.equal(refused.statusCode, 403)
  await refused.body.dump()
  const unsigned = await request(`${base}/twilio/sms`, {
    method: 'POST',
    headers: { 'x-request-id': 'refused-unsigned', 'content-type': 'application/x-www-form-urlencoded' },
    body: `Body=${BODY_MARKER}`,
  })
  t.equal(unsigned.statusCode, 403)
  await unsigned.body.dump()
  const api = await request(`${base}/health/live`, { headers: { 'x-request-id': 'api-request' } })
  t.equal(api.statusCode, 200)
  await api.body.dump()

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  const lines: LogLine[] = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)

  const webhookLines = lines.filter((line) => line.reqId?.startsWith('answered-'))
  t.same(webhookLines, [], 'no line for an answered webhook')

  for (const id of ['refused-json', 'refused-unsigned']) {
    const own = lines.filter((line) => line.reqId === id)
    t.equal(own.length, 1, `${id}: one line`)
    t.match(own[0], { level: 40, msg: /webhook refused/ }, `${id}: a warning saying why`)
    t.notMatch(JSON.stringify(own), BODY_MARKER, `${id}: nothing from the body`)
    t.notMatch(JSON.stringify(own), /stack|    at /, `${id}: no stack trace`)
  }

  const apiLines = lines.filter((line) => line.reqId === 'api-request').map((line) => line.msg)
  t.same(apiLines, ['incoming request', 'request completed'], 'the API keeps its request lines')
})
