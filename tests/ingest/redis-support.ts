// Redis for the ingest tests: the shared server (127.0.0.1:6379) under a random key prefix,
// or a private redis-server the test can stop and start again.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { pino } from 'pino'
import type { Metrics } from '../../src/metrics/metrics.js'

export { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { SHARED_REDIS_URL } from '../helpers/redis.js'

/** A plain client for the test's own commands, closed when the test ends. */
export function testClient(t: Test, url = SHARED_REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  return redis
}

/** A redis-server of the test's own, without persistence, on a random port. */
export interface PrivateRedis {
  url: string
  port: number
  /** Kills the server (SIGKILL: like a crash; its data is gone). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
}

export async function privateRedis(t: Test): Promise<PrivateRedis> {
  let child: ChildProcess | null = null
  let port = 0
  const launch = async (): Promise<boolean> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: 'ignore',
    })
    child = proc
    const deadline = Date.now() + 5_000
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) return false
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        if ((await probe.ping()) === 'PONG') return true
      } catch {
        // Not up yet.
      } finally {
        probe.disconnect()
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return false
  }
  const stop = async () => {
    const proc = child
    child = null
    if (proc === null || proc.exitCode !== null) return
    const exited = once(proc, 'exit')
    proc.kill('SIGKILL')
    await exited
  }
  for (let attempt = 0; ; attempt++) {
    port = 20_000 + Math.floor(Math.random() * 20_000)
    if (await launch()) break
    await stop()
    if (attempt === 5) throw new Error('could not start a private redis-server')
  }
  t.teardown(stop)
  return {
    url: `redis://127.0.0.1:${port}`,
    get port() {
      return port
    },
    stop,
    async start() {
      if (!(await launch())) throw new Error(`redis-server did not start again on port ${port}`)
    },
  }
}

/** The current value of a counter or gauge (summed over labels matching `labels`). */
export async function metricValue(
  metric: Metrics['ingestEvents'] | Metrics['ingestReclaimed'] | Metrics['ingestWriteFailures'] | Metrics['ingestQueueDepth'] | Metrics['ingestPending'],
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0)
}

/** A logger for the code under test: silent unless INGEST_TEST_LOG=1. */
export function testLogger() {
  return pino({ level: process.env.INGEST_TEST_LOG === '1' ? 'debug' : 'silent' })
}
