// Shared set-up for the configuration cache tests: numbers and configurations written with
// Prisma, Redis connections shaped like the app's, caches that close themselves, a logger that
// remembers, and polling with a deadline.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { evaluate } from '../../routing/index.js'
import { type CachedNumber, type CacheLogger, RoutingCache, type RoutingCacheOptions } from '../../src/config-cache/routing-cache.js'
import { Prisma, type PrismaClient } from '../../src/generated/prisma/client.js'
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js'
import { asAdmin } from '../helpers/database.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'

export const REDIS_URL = SHARED_REDIS_URL

/** A key prefix no other test (or run) uses; its keys are deleted at teardown. */
export const randomPrefix = (t: Test): string => testKeyPrefix(t)

/** A connection made like src/plugins/redis.ts makes the app's shared one. */
export async function sharedRedis(t: Test, url = REDIS_URL): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await redis.connect()
  return redis
}

export interface LogLine {
  level: 'info' | 'warn' | 'error'
  msg: string
  obj: object
}

export function memoryLog(): CacheLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  }
}

export interface TestCache {
  cache: RoutingCache
  metrics: Metrics
  log: ReturnType<typeof memoryLog>
}

/** A started cache ("an app instance") with its own metrics, closed at teardown. */
export async function startCache(
  t: Test,
  options: Omit<RoutingCacheOptions, 'metrics' | 'log'>,
): Promise<TestCache> {
  const metrics = createMetrics()
  const log = memoryLog()
  const cache = new RoutingCache({ ...options, metrics, log })
  t.teardown(() => cache.close())
  await cache.start()
  return { cache, metrics, log }
}

/** Current value of cacheLookups{layer, result}. */
export async function lookups(metrics: Metrics, layer: string, result: string): Promise<number> {
  const { values } = await metrics.cacheLookups.get()
  return values.find((v) => v.labels.layer === layer && v.labels.result === result)?.value ?? 0
}

/** Sum of cacheLookups for a layer, whatever the result: how many times it was asked. */
export async function layerLookups(metrics: Metrics, layer: string): Promise<number> {
  const { values } = await metrics.cacheLookups.get()
  return values.filter((v) => v.labels.layer === layer).reduce((sum, v) => sum + v.value, 0)
}

export async function entries(metrics: Metrics, kind: 'compiled' | 'negative'): Promise<number> {
  const { values } = await metrics.cacheEntries.get()
  return values.find((v) => v.labels.kind === kind)?.value ?? 0
}

/** Calls probe until done(value) or the deadline; returns the last value (the test asserts on it). */
export async function poll<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (done(value) || Date.now() >= deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()) {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

// --- data ----------------------------------------------------------------------------------------

let sequence = 0
/** A unique E.164 number for this file. */
export function phoneNumber(): string {
  sequence += 1
  return `+1415555${String(1000 + sequence).slice(-4)}`
}

export async function createUser(prisma: PrismaClient, timezone = 'America/New_York') {
  return prisma.user.create({
    data: { email: `cache-${randomBytes(4).toString('hex')}@example.com`, password: '!unusable!', firstName: 'C', lastName: 'T', timezone },
  })
}

const emptyRules = { timeBasedRules: [], geographicRules: [], callerIdRules: [], failoverRules: [] }

/** A number whose one active configuration forwards every call to `destination`. */
export async function createForwardingNumber(prisma: PrismaClient, userId: string, destination: string, e164 = phoneNumber()) {
  const number = await prisma.number.create({
    data: {
      phoneNumber: e164,
      countryCode: 'US',
      numberType: 'LOCAL',
      capabilities: ['VOICE', 'SMS'],
      twilioSid: `PN${randomBytes(16).toString('hex')}`,
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      monthlyPrice: '1.15',
      userId,
    },
  })
  const configuration = await prisma.numberConfiguration.create({
    data: {
      numberId: number.id,
      name: 'Forward everything',
      isActive: true,
      routingRules: { defaultAction: 'forward', ...emptyRules },
      callForwarding: { destination },
    },
  })
  return { number, configuration, phoneNumber: e164 }
}

/** Changes where the configuration forwards (what "a change made through the API" writes). */
export async function setDestination(prisma: PrismaClient, configurationId: string, destination: string) {
  await prisma.numberConfiguration.update({ where: { id: configurationId }, data: { callForwarding: { destination } } })
}

/** Writes what the API would refuse: a forwarding default without a destination. */
export async function breakConfiguration(prisma: PrismaClient, configurationId: string) {
  await prisma.numberConfiguration.update({ where: { id: configurationId }, data: { callForwarding: Prisma.DbNull } })
}

/** Where a voice call to this entry is forwarded, read from the TwiML the engine answers. */
export function forwardsTo(entry: CachedNumber | null | undefined): string | null {
  if (entry == null) return null
  const twiml = evaluate(entry.compiled, { from: '+12125550100', to: entry.compiled.phoneNumber, at: Date.now(), channel: 'voice' }).twiml
  return /<Number[^>]*>(\+\d+)<\/Number>/.exec(twiml)?.[1] ?? null
}

// --- infrastructure you can stop -------------------------------------------------------------------


/** Makes a database refuse connections and drops the ones it has; returns the undo. */
export async function stopDatabase(t: Test, name: string): Promise<() => Promise<void>> {
  const restore = () => asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`)
  t.teardown(restore)
  await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`)
  await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
  return restore
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** A throw-away redis-server on `port`, killed at teardown at the latest. */
export class SpareRedis {
  private child: ChildProcess | null = null
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData)
          child.stdout?.resume()
          resolve()
        }
      }
      child.stdout?.on('data', onData)
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)))
    })
  }

  async stop(): Promise<void> {
    const child = this.child
    if (child === null || child.exitCode !== null) return
    this.child = null
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }
}
