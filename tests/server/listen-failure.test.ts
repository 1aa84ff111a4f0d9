/**
 * A server that cannot bind its port exits without having joined the ingest consumer group or
 * read anything from the stream; one that binds starts consuming. The stream consumer starts
 * when the server listens, not when the app is built.
 */
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'
import { postSigned, twilioEnv, voiceParams } from '../helpers/twilio.js'

/** XINFO GROUPS / CONSUMERS answer flat [name, value, ...] lists. */
function fields(entry: unknown): Record<string, unknown> {
  const list = entry as unknown[]
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1]
  return out
}

/** A stream whose group exists and holds work, as in a running deployment, and a port already taken. */
async function setUp(t: Test) {
  const prefix = testKeyPrefix(t)
  const stream = `${prefix}ingest:events`
  const redis = new Redis(SHARED_REDIS_URL)
  t.teardown(() => redis.disconnect())
  await redis.xgroup('CREATE', stream, 'ingest', '0', 'MKSTREAM')
  await redis.xadd(stream, '*', 'e', 'not an event')
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => taken.close())
  return {
    prefix,
    redis,
    takenPort: (taken.address() as AddressInfo).port,
    group: async () => fields(((await redis.xinfo('GROUPS', stream)) as unknown[])[0]),
    stream: async () => fields(await redis.xinfo('STREAM', stream)),
    consumers: async () => (await redis.xinfo('CONSUMERS', stream, 'ingest')) as unknown[],
  }
}

t.test('a built app joins the consumer group only once it listens, so a failed bind takes no work', async (t) => {
  const { url } = await createTestDatabase(t)
  const { prefix, takenPort, stream, consumers, group } = await setUp(t)
  const app = await build(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO: 'false', DATABASE_URL: url, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...twilioEnv }))
  t.teardown(() => app.close())
  await t.rejects(app.listen({ port: takenPort, host: '127.0.0.1' }), { code: 'EADDRINUSE' })

  // Its producer works (a webhook's event reaches the stream), yet no consumer joined.
  t.equal((await postSigned(app, '/twilio/voice/status', voiceParams('+14155550199', '+12125550100'))).statusCode, 204)
  await eventually(async () => Number((await stream())['entries-added']) >= 2, 10_000, 'the webhook event in the stream')
  t.same(await consumers(), [], 'no consumer joined the group')
  t.equal((await group())['last-delivered-id'], '0-0', 'nothing was read from the stream')
})

t.test('a server process that fails to bind never joins the ingest consumer group; one that binds consumes', async (t) => {
  const { url } = await createTestDatabase(t)
  const { prefix, takenPort, consumers, group } = await setUp(t)
  const env = { DATABASE_URL: url, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false' }

  const failed = spawnServer(t, { ...env, PORT: String(takenPort) })
  t.equal(await failed.exited, 1, 'the server exits 1')
  t.match(failed.output(), /EADDRINUSE/, 'saying the port is taken')
  t.same(await consumers(), [], 'no consumer joined the group')
  t.equal((await group())['last-delivered-id'], '0-0', 'nothing was read from the stream')

  const started = spawnServer(t, { ...env, PORT: '0' })
  await waitForListening(started)
  await eventually(async () => (await consumers()).length === 1, 10_000, 'the listening server to join the group')
  t.not((await group())['last-delivered-id'], '0-0', 'the listening server reads the stream')
  started.child.kill('SIGTERM')
  t.equal(await started.exited, 0)
})
