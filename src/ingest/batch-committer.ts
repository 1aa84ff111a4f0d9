// Gets a batch into the database, whatever it takes: retries while the database is away,
// and sets aside the rare event that can never be written, so it cannot block the queue.
//
// Two kinds of failure (classifyDatabaseError):
// - Transient (no connection, timeout, deadlock, server shutting down, anything unknown): the
//   whole batch is retried with backoff, for as long as it takes, until the caller stops.
// - The data itself (SQLSTATE class 22 "data exception", 23 "integrity constraint", e.g. a
//   number deleted since the event): retrying cannot help. The batch is split in halves and
//   each written on its own, down to the single event at fault, which is handed to
//   `setAside` (a dead-letter stream with Redis) and counted as dropped.
// What a caller sent is never such a reason: text is cleaned before it reaches Postgres
// (writer.ts), and times and numbers are bounded where events are built, decoded and merged.
import { classifyDatabaseError, postgresErrorCode } from '../db/errors.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import type { Metrics } from '../metrics/metrics.js'
import type { IngestEvent } from './events.js'
import { errorMessage, type IngestLogger } from './logger.js'
import type { RateCard } from './rate-card.js'
import { Backoff, sleep } from './timing.js'
import { writeBatch } from './writer.js'

export interface BatchCommitterOptions {
  prisma: PrismaClient
  rateCard: RateCard
  metrics: Metrics
  logger: IngestLogger
  retryInitialMs: number
  retryMaxMs: number
  /** Keeps an event that cannot be written, for a human to look at. */
  setAside: (event: IngestEvent, reason: string) => Promise<void>
}

// Logging every retry of a long outage would flood the log; 1st, 2nd, 4th, 8th... is enough.
const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0

export class BatchCommitter {
  private readonly backoff: Backoff

  constructor(private readonly options: BatchCommitterOptions) {
    this.backoff = new Backoff(options.retryInitialMs, options.retryMaxMs)
  }

  /**
   * Writes the events. Resolves true once every event is written, skipped or set aside;
   * false when `signal` aborted while the database was failing (nothing is lost: the caller
   * still holds the events). A write already running when `signal` aborts is finished.
   */
  async commit(events: readonly IngestEvent[], signal: AbortSignal): Promise<boolean> {
    if (events.length === 0) return true
    for (;;) {
      try {
        const result = await writeBatch(this.options.prisma, events, this.options.rateCard, new Date())
        this.recordSuccess(events, result)
        return true
      } catch (err) {
        this.options.metrics.ingestWriteFailures.inc()
        if (classifyDatabaseError(err) === 'data') return this.isolate(events, err, signal)
        const delay = this.backoff.next()
        if (isPowerOfTwo(this.backoff.failures)) {
          this.options.logger.warn(
            { err: errorMessage(err), events: events.length, attempt: this.backoff.failures, retryInMs: delay },
            'ingest: writing a batch failed; retrying',
          )
        }
        if (signal.aborted) return false
        await sleep(delay, signal)
        if (signal.aborted) return false
      }
    }
  }

  private async isolate(events: readonly IngestEvent[], err: unknown, signal: AbortSignal): Promise<boolean> {
    if (events.length === 1) {
      const event = events[0]!
      const reason = errorMessage(err)
      this.options.metrics.ingestEvents.labels(event.kind, 'dropped').inc()
      this.options.logger.error({ kind: event.kind, err: reason, code: postgresErrorCode(err) }, 'ingest: an event cannot be written; set aside')
      await this.options.setAside(event, reason)
      return true
    }
    const half = Math.ceil(events.length / 2)
    return (await this.commit(events.slice(0, half), signal)) && (await this.commit(events.slice(half), signal))
  }

  private recordSuccess(events: readonly IngestEvent[], result: Awaited<ReturnType<typeof writeBatch>>): void {
    const { metrics, logger } = this.options
    if (this.backoff.failures > 0) {
      logger.info({ attempts: this.backoff.failures + 1 }, 'ingest: database writes recovered')
      this.backoff.reset()
    }
    metrics.ingestBatchSize.observe(events.length)
    let oldest = Infinity
    for (const event of events) oldest = Math.min(oldest, event.at)
    metrics.ingestLag.set(Math.max(0, (Date.now() - oldest) / 1000))
    for (const [kind, stages] of Object.entries(result)) {
      for (const [stage, n] of Object.entries(stages)) {
        if (n > 0) metrics.ingestEvents.labels(kind, stage).inc(n)
      }
    }
  }
}
