import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { request } from 'undici'
import { createTestDatabase } from '../helpers/database.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'

t.test('a bad environment value stops the start with one line naming the variable', async (t) => {
  const server = spawnServer(t, { PORT: 'abc', LOG_LEVEL: 'silent' })
  t.equal(await server.exited, 1)
  t.equal(server.output(), 'did-edge: invalid configuration: PORT must be a whole number (got "abc")\n')
})

t.test('production refuses to start without a Twilio auth token', async (t) => {
  const server = spawnServer(t, { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://edge.example.com' })
  t.equal(await server.exited, 1)
  t.match(server.output(), /TWILIO_AUTH_TOKEN is required when NODE_ENV=production/)
})

t.test('SIGTERM lets an in-flight request finish, then exits 0', async (t) => {
  const { url } = await createTestDatabase(t)
  const server = spawnServer(t, { DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'warn', DEMO: 'false' })
  const base = await waitForListening(server)

  // Readiness reads the migrations table; holding an exclusive lock on it keeps that request
  // in flight for as long as this test wants, without any test-only code in the server.
  const locker = new pg.Client({ connectionString: url })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE _prisma_migrations IN ACCESS EXCLUSIVE MODE')

  const inFlight = request(`${base}/health/ready`)
  // Wait until the server is blocked on the lock, so the request is truly in flight.
  for (let i = 0; i < 100; i++) {
    const { rows } = await locker.query(
      "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = '_prisma_migrations'::regclass",
    )
    if (rows[0].n > 0) break
    await new Promise((r) => setTimeout(r, 50))
  }

  server.child.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  t.equal(server.child.exitCode, null, 'still running while a request is in flight')
  await locker.query('COMMIT')

  const res = await inFlight
  t.equal(res.statusCode, 200, 'the in-flight request got its answer')
  t.same(((await res.body.json()) as { status: string }).status, 'ok')
  t.equal(await server.exited, 0)
})

t.test('a fresh start with no environment runs the embedded demo end to end', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'did-edge-demo-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const server = spawnServer(t, { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' })
  const base = await waitForListening(server)

  const ready = await request(`${base}/health/ready`)
  t.equal(ready.statusCode, 200)
  t.same(await ready.body.json(), { status: 'ok', checks: { database: 'ok', migrations: 'ok', redis: 'not configured' } })

  const output = server.output()
  t.match(output, /using the embedded PGlite database/)
  t.match(output, /Twilio auth token generated for this run \(development only\): [0-9a-f]{32}/)
  const key = /Authorization: Bearer (dek_[\w-]+)/.exec(output)?.[1]
  t.ok(key, 'the console shows how to call the API with the demo key')

  const me = await request(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } })
  t.equal(me.statusCode, 200)
  t.equal(((await me.body.json()) as { email: string }).email, 'demo@did-edge.local')

  // The demo number's configuration routes: the printed simulate call explains a decision.
  const simulateUrl = /-d '\{"call":\{"from":"\+12125550142"\}\}' (\S+\/simulate)/.exec(output)?.[1]
  t.ok(simulateUrl, 'the console shows a simulate call')
  const simulated = await request(simulateUrl as string, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ call: { from: '+12125550142' } }),
  })
  t.equal(simulated.statusCode, 200)
  const decision = (await simulated.body.json()) as { rule: { id: string }; twiml: string }
  t.equal(decision.rule.id, 'vip-callers')
  t.match(decision.twiml, /<Number>\+14155550199<\/Number>/)

  // The printed webhook curl is signed with this run's token: posting it as printed is routed.
  const curl = /curl -s -H 'X-Twilio-Signature: ([^']+)' -d '([^']+)' (\S+\/twilio\/voice)/.exec(output)
  t.ok(curl, 'the console shows a signed voice webhook')
  const webhook = await request(curl?.[3] as string, {
    method: 'POST',
    headers: { 'x-twilio-signature': curl?.[1] as string, 'content-type': 'application/x-www-form-urlencoded' },
    body: curl?.[2],
  })
  t.equal(webhook.statusCode, 200)
  t.match(await webhook.body.text(), /<Response><Dial[^>]*><Number>\+14155550199<\/Number><\/Dial><\/Response>/)

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)

  // A second start on the same data keeps the demo data, issues a new key and retires the old.
  const again = spawnServer(t, { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' })
  const base2 = await waitForListening(again)
  const newKey = /Authorization: Bearer (dek_[\w-]+)/.exec(again.output())?.[1]
  t.not(newKey, key)
  t.equal((await request(`${base2}/api/v1/users/me`, { headers: { authorization: `Bearer ${newKey}` } })).statusCode, 200)
  t.equal((await request(`${base2}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } })).statusCode, 401)
  again.child.kill('SIGTERM')
  t.equal(await again.exited, 0)
})
