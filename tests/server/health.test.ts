import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

t.test('liveness answers 200 as long as the process runs', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('readiness is 200 when the database is migrated and Redis answers', async (t) => {
  const app = await buildTestApp(t, { REDIS_URL: 'redis://127.0.0.1:6379' })
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } })
})

t.test('readiness without Redis configured does not depend on Redis', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().checks.redis, 'not configured')
})

t.test('readiness is 503 naming Redis when the configured Redis is down', async (t) => {
  // Nothing listens on port 1: the configured Redis is unreachable for the whole test.
  const app = await buildTestApp(t, { REDIS_URL: 'redis://127.0.0.1:1' })
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  const body = res.json()
  t.equal(body.status, 'unavailable')
  t.same(body.failing, ['redis'])
  t.match(body.checks.redis, /^unreachable: /)
  t.equal(body.checks.database, 'ok')
})

t.test('readiness is 503 naming the migrations when they were not applied', async (t) => {
  const app = await buildTestApp(t, { MIGRATE_ON_START: 'false' })
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json().failing, ['migrations'])
  t.match(res.json().checks.migrations, /^pending: \d+_init/)
})

t.test('an unknown route answers 404 in the error shape with the request id', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/nowhere?x=1' })
  t.equal(res.statusCode, 404)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['code', 'message', 'requestId', 'statusCode'])
  t.equal(body.code, 'NOT_FOUND')
  t.equal(body.message, 'route GET /nowhere not found')
  t.equal(body.requestId, res.headers['x-request-id'])
})

t.test('every answer carries a request id, and a sane upstream id is kept', async (t) => {
  const app = await buildTestApp(t)
  const fresh = await app.inject({ method: 'GET', url: '/health/live' })
  t.match(fresh.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  const kept = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb-1234.abc' } })
  t.equal(kept.headers['x-request-id'], 'lb-1234.abc')
  const replaced = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id <script>' } })
  t.not(replaced.headers['x-request-id'], 'bad id <script>')
})
