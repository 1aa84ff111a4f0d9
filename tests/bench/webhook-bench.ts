// npm run bench: the webhook hot path under load, against a bare Fastify baseline.
//
// One after the other on this machine: a bare Fastify answering a static TwiML string, then
// did-edge in production mode (Postgres, Redis, logs at warn), both driven by the same signed
// voice webhooks (a new CallSid each, 50 connections) from a load generator in its own process.
// Prints requests/s, p50 and p99 for each, the ratio did-edge / bare, how many answered calls
// reached call_logs after the load and how long that took, and where the CPU went: per answered
// call, by process (server, ingest worker, Postgres, Redis, load generator), read from /proc.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50)
//   BENCH_INGEST: `worker` (default; the deployment docker-compose.yml describes: the server
//   only answers, `npm run worker` writes) or `in-process` (the server's own consumer)
import { type ChildProcess, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Redis } from 'ioredis'
import { cpuBetween, cpuSnapshot } from './cpu.js'
import { load, type LoadResult, root, start, stop } from './harness.js'

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECONDS = process.env.BENCH_SECONDS ?? '10'
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '50'
const INGEST = process.env.BENCH_INGEST ?? 'worker'
if (INGEST !== 'worker' && INGEST !== 'in-process') throw new Error('BENCH_INGEST is worker or in-process')
const TOKEN = randomBytes(16).toString('hex')
const ADMIN_KEY = `bench-${randomBytes(24).toString('hex')}`
const NUMBER = '+14155550100'

const loadOptions = { token: TOKEN, to: NUMBER, seconds: SECONDS, connections: CONNECTIONS }

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  await client.query(sql)
  await client.end()
}

async function api(base: string, method: string, path: string, body: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string }
}

const fmt = (r: LoadResult) => `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms (${r.ok} answered, ${r.distinct} distinct CallSids, ${r.non2xx} non-2xx, ${r.errors} errors)`

const name = `did_edge_bench_${randomBytes(4).toString('hex')}`
const prefix = `bench-${randomBytes(4).toString('hex')}:`
const dbUrl = new URL(ADMIN_URL)
dbUrl.pathname = `/${name}`
const children: ChildProcess[] = []

try {
  process.stdout.write('building did-edge...\n')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
  await admin(`CREATE DATABASE "${name}"`)

  const bare = await start(process.execPath, ['--import', 'tsx', 'tests/bench/bare-server.ts'], {}, /listening (\S+)/)
  children.push(bare.child)
  process.stdout.write(`bare Fastify: load for ${SECONDS} s, ${CONNECTIONS} connections...\n`)
  const cpuBeforeBare = cpuSnapshot()
  const bareResult = await load(bare.match[1] as string, loadOptions)
  const bareServerMs = cpuBetween(cpuBeforeBare, cpuSnapshot(), { bare: { pids: [bare.child.pid] } }).bare ?? 0
  await stop(bare.child)

  const port = 30000 + Math.floor(Math.random() * 20000)
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-jwt-secret-'.padEnd(40, 'x'),
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl.href,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TWILIO_AUTH_TOKEN: TOKEN,
    // No accounts sign up during a benchmark: no SMTP server needed.
    REQUIRE_EMAIL_VERIFICATION: 'false',
  }
  const edge = await start(
    process.execPath,
    ['dist/src/server.js'],
    {
      ...production,
      PORT: String(port),
      HOST: '127.0.0.1',
      INGEST_CONSUMER: String(INGEST === 'in-process'),
      BOOTSTRAP_ADMIN_EMAIL: 'bench@example.com',
      BOOTSTRAP_ADMIN_API_KEY: ADMIN_KEY,
    },
    /did-edge listening on (\S+)/,
  )
  children.push(edge.child)
  // The server migrated the database; the worker only consumes.
  const worker = INGEST === 'worker' ? await start(process.execPath, ['dist/src/worker.js'], { ...production, LOG_LEVEL: 'info', MIGRATE_ON_START: 'false' }, /consuming the ingest stream/) : null
  if (worker) children.push(worker.child)
  const base = `http://127.0.0.1:${port}`
  const number = await api(base, 'POST', '/numbers', {
    phoneNumber: NUMBER,
    twilioSid: `PN${'c'.repeat(32)}`,
    twilioAccountSid: `AC${'b'.repeat(32)}`,
    countryCode: 'US',
    numberType: 'LOCAL',
    capabilities: ['VOICE', 'SMS'],
    monthlyPrice: '1.15',
  })
  await api(base, 'POST', `/numbers/${number.id}/configurations`, {
    name: 'Bench',
    isActive: true,
    timezone: 'America/New_York',
    routingRules: {
      defaultAction: 'voicemail',
      callerIdRules: [{ id: 'vip', name: 'VIP', patterns: ['+1415555XXXX'], action: { type: 'forward', destination: '+14155550199' }, priority: 1 }],
      geographicRules: [{ id: 'uk', name: 'UK', countries: ['GB'], action: { type: 'forward', destination: '+442071838750' }, priority: 2 }],
      timeBasedRules: [{
        id: 'always', name: 'Always open', priority: 3,
        schedule: { timezone: 'America/New_York', rules: [{ dayOfWeek: [0, 1, 2, 3, 4, 5, 6], timeFrom: '00:00', timeTo: '24:00' }] },
        action: { type: 'forward', destination: '+14155550123', options: { timeout: 20 } },
      }],
      failoverRules: [{ id: 'backup', attempts: 1, delay: 1, destinations: ['+14155550124'] }],
    },
  })

  process.stdout.write(`did-edge (production, Postgres + Redis, ingest ${INGEST === 'worker' ? 'by npm run worker' : 'in the server'}): load for ${SECONDS} s, ${CONNECTIONS} connections...\n`)
  const cpuBeforeLoad = cpuSnapshot()
  const edgeResult = await load(base, loadOptions)
  const loadEnded = Date.now()
  const cpuAfterLoad = cpuSnapshot()

  const client = new pg.Client({ connectionString: dbUrl.href })
  await client.connect()
  let persisted = 0
  let persistedAfter = Number.NaN
  while (Date.now() - loadEnded < 120_000) {
    persisted = Number((await client.query('SELECT count(*) AS n FROM call_logs')).rows[0].n)
    if (persisted >= Math.min(edgeResult.ok, edgeResult.distinct)) {
      persistedAfter = (Date.now() - loadEnded) / 1000
      break
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  await client.end()
  const cpuAfterPersisted = cpuSnapshot()

  const groups = {
    'did-edge server': { pids: [edge.child.pid] },
    ...(worker && { 'ingest worker': { pids: [worker.child.pid] } }),
    postgres: { name: 'postgres' },
    redis: { name: 'redis-server' },
  }
  const during = cpuBetween(cpuBeforeLoad, cpuAfterLoad, groups)
  const total = cpuBetween(cpuBeforeLoad, cpuAfterPersisted, groups)
  const perCall = (ms: number, calls = edgeResult.ok) => `${((ms * 1000) / Math.max(1, calls)).toFixed(0).padStart(5)} µs`
  const cpuLines = [
    'CPU per answered call (user + system, from /proc): during the load | until all were persisted',
    ...Object.keys(groups).map((label) => `  ${label.padEnd(17)}${perCall(during[label] ?? 0)} | ${perCall(total[label] ?? 0)}`),
    `  ${'load generator'.padEnd(17)}${perCall(edgeResult.cpuMs)} |`,
    `  (bare Fastify, per answered request: server ${perCall(bareServerMs, bareResult.ok).trim()}, load generator ${perCall(bareResult.cpuMs, bareResult.ok).trim()})`,
  ]

  const ratio = edgeResult.requestsPerSecond / bareResult.requestsPerSecond
  process.stdout.write(
    [
      '',
      `bare Fastify: ${fmt(bareResult)}`,
      `did-edge:     ${fmt(edgeResult)}`,
      `ratio did-edge / bare: ${ratio.toFixed(2)} (target >= 0.6); did-edge p99 ${edgeResult.p99} ms (target <= 10 ms)`,
      Number.isNaN(persistedAfter)
        ? `persisted: only ${persisted} of ${edgeResult.ok} answered calls in call_logs after 120 s`
        : `persisted: ${persisted} call_logs rows for ${edgeResult.ok} answered calls, all within ${persistedAfter.toFixed(1)} s of the end of the load (target <= 10 s)`,
      ...cpuLines,
      '',
    ].join('\n'),
  )
} finally {
  for (const child of children) await stop(child)
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {})
  const redis = new Redis(REDIS_URL)
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
}
