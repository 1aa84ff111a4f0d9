import { createServer } from 'node:net'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { spawnScript, spawnServer, waitForListening } from '../helpers/server-process.js'
import { sampleValue } from './prometheus-text.js'

/** A port free right now on 127.0.0.1 (METRICS_PORT takes a fixed number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

t.test('with METRICS_PORT the server serves /metrics on that port only', async (t) => {
  const { url } = await createTestDatabase(t)
  const metricsPort = await freePort()
  const server = spawnServer(t, {
    DATABASE_URL: url,
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    DEMO: 'false',
  })
  const base = await waitForListening(server)

  const publicAnswer = await fetch(`${base}/metrics`)
  t.equal(publicAnswer.status, 404, 'the main port does not expose metrics')
  t.match(await publicAnswer.json(), { code: 'NOT_FOUND' })

  await fetch(`${base}/api/v1/numbers`)
  const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
  t.equal(own.status, 200)
  t.match(own.headers.get('content-type'), /^text\/plain/)
  const text = await own.text()
  t.equal(sampleValue(text, 'did_edge_api_requests_total', { route: '/api/v1/numbers', status_class: '4xx' }), 1, "the server's own registry")
  t.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404, 'nothing else on the metrics port')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'shuts down cleanly with the metrics listener')
})

t.test('with METRICS_PORT the worker serves its ingest, pool and process metrics', async (t) => {
  const { url } = await createTestDatabase(t)
  const metricsPort = await freePort()
  const worker = spawnScript(t, 'src/worker.ts', {
    DATABASE_URL: url,
    DATABASE_POOL_MAX: '3',
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: testKeyPrefix(t),
    HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
  })
  const text = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    return res.status === 200 ? res.text() : undefined
  }, 60_000, "the worker's metrics port")
  t.equal(sampleValue(text, 'did_edge_db_pool_max'), 3)
  t.match(text, /^# TYPE did_edge_ingest_queue_depth gauge$/m)
  t.match(text, /^process_cpu_seconds_total /m)

  worker.child.kill('SIGTERM')
  t.equal(await worker.exited, 0)
})
