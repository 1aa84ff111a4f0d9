import { classifyDatabaseError } from '../db/errors.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import type { Metrics } from '../metrics/metrics.js'
import { type NumberSource, readNumberSource, sourceVersion } from './load-number.js'
import type { RedisLayer } from './redis-layer.js'
import type { CacheLogger } from './routing-cache.js'
import { backoffDelay, LayerTimeoutError, withTimeout } from './timing.js'

/** What a read found (source null: no such number), and which layer answered. */
export interface Found {
  source: NumberSource | null
  version: string
  layer: 'redis' | 'database'
}

export type LookupResult = 'hit' | 'miss' | 'negative' | 'error'

/** Thrown while Postgres is being left alone after a failure. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

const DATABASE_TIMEOUT_MS = 5_000

/** cacheLookups for a layer below memory (memory lookups are counted by the cache itself). */
export function countLookup(metrics: Metrics, layer: 'redis' | 'database', result: LookupResult): void {
  metrics.cacheLookups.labels(layer, result).inc()
}

/**
 * The miss path below memory: Redis, then Postgres, writing what Postgres says back to Redis.
 * Rejects only when neither answered. Counts the misses and errors of the layers it passes
 * through; the answering layer's hit / negative is counted by the caller once it has compiled.
 *
 * After Postgres could not be reached (or did not answer in time) it does not ask Postgres again
 * for a while (0.5 s doubling to 10 s), in real time rather than the cache's clock: that is
 * about a real database recovering. Reads in that window reject at once, so a dead database is
 * neither hammered by refreshes nor waited on by webhooks. Any other failure (Postgres refusing
 * one read's values, a bug) fails that read alone: Postgres answered, so other numbers still ask.
 */
export class SourceReader {
  private databaseFailures = 0
  private databaseRetryAt = 0
  private redisFailing = false
  private refusedLogAt = 0

  constructor(
    private readonly prisma: PrismaClient,
    private readonly shared: RedisLayer | null,
    private readonly metrics: Metrics,
    private readonly log: CacheLogger,
  ) {}

  async read(phoneNumber: string): Promise<Found> {
    // null: Redis could not answer, so whatever Postgres says is not written back.
    let generation: string | null = null
    if (this.shared !== null) {
      try {
        const read = await this.shared.read(phoneNumber)
        this.redisRecovered()
        generation = read.generation
        if (read.entry !== null) return { source: read.entry.source, version: read.entry.version, layer: 'redis' }
        if (read.malformed) this.log.warn({ phoneNumber }, 'config cache: unreadable Redis entry; reading Postgres')
        countLookup(this.metrics, 'redis', read.malformed ? 'error' : 'miss')
      } catch (err) {
        countLookup(this.metrics, 'redis', 'error')
        this.redisFailed(err)
      }
    }
    const source = await this.readDatabase(phoneNumber)
    if (source === null) return { source: null, version: '', layer: 'database' }
    const version = sourceVersion(source)
    if (generation !== null && this.shared !== null) {
      // Awaited so that an invalidation publishes only once the new entry is in Redis.
      await this.shared.writeBack(phoneNumber, generation, { version, source }).catch((err: unknown) => this.redisFailed(err))
    }
    return { source, version, layer: 'database' }
  }

  private async readDatabase(phoneNumber: string): Promise<NumberSource | null> {
    if (performance.now() < this.databaseRetryAt) {
      countLookup(this.metrics, 'database', 'error')
      throw new DatabaseUnavailableError('database unavailable (recent failures); not asking again yet')
    }
    try {
      const source = await withTimeout(readNumberSource(this.prisma, { phoneNumber }), DATABASE_TIMEOUT_MS, 'database read')
      this.databaseAnswered()
      return source
    } catch (err) {
      countLookup(this.metrics, 'database', 'error')
      if (err instanceof LayerTimeoutError || classifyDatabaseError(err) === 'unavailable') {
        this.databaseFailures++
        this.databaseRetryAt = performance.now() + backoffDelay(this.databaseFailures, 500, 10_000)
        if (this.databaseFailures === 1) this.log.warn({ err: errorMessage(err) }, 'config cache: database read failed')
      } else {
        this.databaseAnswered()
        this.readRefused(phoneNumber, err)
      }
      throw err
    }
  }

  private databaseAnswered(): void {
    if (this.databaseFailures === 0) return
    this.log.info({ failures: this.databaseFailures }, 'config cache: database answering again')
    this.databaseFailures = 0
    this.databaseRetryAt = 0
  }

  /** Postgres answered, with an error about this read: logged at most once a minute (a hostile caller could repeat it). */
  private readRefused(phoneNumber: string, err: unknown): void {
    const now = performance.now()
    if (now < this.refusedLogAt) return
    this.refusedLogAt = now + 60_000
    this.log.warn({ phoneNumber, err: errorMessage(err) }, 'config cache: the database refused a read (not an outage); that number gets its last known good or the safe default')
  }

  /** Logged on the change of state only: every miss would otherwise log the same outage. */
  private redisFailed(err: unknown): void {
    if (this.redisFailing) return
    this.redisFailing = true
    this.log.warn({ err: errorMessage(err) }, 'config cache: Redis unavailable; reading Postgres')
  }

  private redisRecovered(): void {
    if (!this.redisFailing) return
    this.redisFailing = false
    this.log.info({}, 'config cache: Redis answering again')
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
