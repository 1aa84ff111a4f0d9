// The ingest pipeline: what the webhooks publish to, and what writes their events to Postgres.
//
//   with Redis:    publish → memory buffer → (shipper) XADD ${prefix}ingest:events
//                  stream → (consumer, group `ingest`) XREADGROUP → writeBatch → XACK + XDEL
//   without Redis: publish → memory buffer → (memory consumer) writeBatch
//
// publish() only appends to the buffer and schedules the rest on the next tick; a webhook
// never waits for Redis or Postgres, and never fails because of them.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { PrismaClient } from '../generated/prisma/client.js'
import type { Metrics } from '../metrics/metrics.js'
import { BatchCommitter } from './batch-committer.js'
import { BoundedBuffer } from './bounded-buffer.js'
import { encodeEvent } from './event-codec.js'
import type { EventSink, IngestEvent } from './events.js'
import { errorMessage, type IngestLogger } from './logger.js'
import { MemoryConsumer } from './memory-consumer.js'
import type { RateCard } from './rate-card.js'
import { CONSUMER_GROUP, EVENT_FIELD, closeRedis, connectRedis, streamKeys, type StreamKeys } from './redis-stream.js'
import { StreamConsumer } from './stream-consumer.js'
import { StreamShipper } from './stream-shipper.js'

export interface IngestPipelineOptions {
  prisma: PrismaClient
  metrics: Metrics
  logger: IngestLogger
  rateCard: RateCard
  /** Set: events go through a Redis stream (durable, shared by instances). Unset: an in-process queue. */
  redis?: { url: string; keyPrefix: string }
  /** With Redis: run a stream consumer in this process (default true). False: only publish. */
  consumer?: boolean
  /** Events per batch written (and per XREADGROUP). Default 500. */
  batchSize?: number
  /**
   * Longest wait for a batch to fill. Without Redis: before writing what the queue holds. With
   * Redis: after writing a batch that was not full, before reading the next, so that under load
   * the consumer writes a few large batches rather than many small ones (each costs a
   * transaction, a commit and round trips). Default 100 ms.
   */
  flushIntervalMs?: number
  /** XREADGROUP BLOCK. Default 1000 ms. */
  blockMs?: number
  /** Events held in memory at most (Redis away, or no Redis); the oldest are dropped beyond. Default 100,000. */
  bufferLimit?: number
  /** Stream entries pending this long are claimed from their (presumably dead) consumer. Default 30 s. */
  claimIdleMs?: number
  /** How often to look for such entries. Default 10 s. */
  claimIntervalMs?: number
  /** How often to sample the stream's length and pending count for the metrics. Default 5 s. */
  sampleIntervalMs?: number
  /** Retry backoff after a failed write or read: from retryInitialMs doubling to retryMaxMs. Defaults 100 ms, 5 s. */
  retryInitialMs?: number
  retryMaxMs?: number
  /** How long close() may wait for buffered events to reach the stream / the database. Default 8 s. */
  drainTimeoutMs?: number
  /** Consumer name in the group; default hostname-pid-random (unique per process and start). */
  consumerName?: string
}

type Kind = IngestEvent['kind']
const KINDS: Kind[] = ['call.started', 'call.status', 'sms.received', 'sms.status']
const SHIP_RETRY_MS = 500
const DROP_LOG_INTERVAL_MS = 10_000

/** The pipeline a did-edge process runs: an EventSink for the webhooks, and the writer behind it. */
export interface IngestPipeline extends EventSink {
  readonly mode: 'redis' | 'memory'
  /** The stream consumer's name, or null when this process runs none. */
  readonly consumerName: string | null
  /**
   * Connects and starts the background work. Does not wait for Redis or Postgres to be up.
   * `consume: false` leaves the stream consumer to startConsumer().
   */
  start(options?: { consume?: boolean }): Promise<void>
  /**
   * Starts the stream consumer (joins the group, reads, claims a dead consumer's entries) when
   * this process runs one and it is not running yet. No-op before start() and after close().
   */
  startConsumer(): void
  /**
   * Stops consuming (a batch in flight is finished and acknowledged), then drains: every event
   * published before close is written (no Redis) or in the stream (Redis), unless Redis or the
   * database stays away past drainTimeoutMs (then what is left is counted dropped and logged).
   * Closes its connections. Idempotent.
   */
  close(): Promise<void>
}

/** Creates the pipeline; call start() before publishing is useful, close() on shutdown. */
export function createIngestPipeline(options: IngestPipelineOptions): IngestPipeline {
  return new Pipeline(options)
}

class Pipeline implements IngestPipeline {
  readonly mode: 'redis' | 'memory'
  readonly consumerName: string | null
  private readonly buffer: BoundedBuffer<IngestEvent>
  private readonly committer: BatchCommitter
  private readonly enqueued: Record<Kind, { inc(): void }>
  private readonly keys: StreamKeys | null
  private producer: Redis | null = null
  private reader: Redis | null = null
  private shipper: StreamShipper | null = null
  private streamConsumer: StreamConsumer | null = null
  private memoryConsumer: MemoryConsumer | null = null
  private readonly timers: NodeJS.Timeout[] = []
  private scheduled = false
  private started = false
  private closed = false
  private closing: Promise<void> | null = null
  private drops = { unlogged: 0, why: '', lastLog: 0, timer: null as NodeJS.Timeout | null }

  constructor(private readonly options: IngestPipelineOptions) {
    this.mode = options.redis ? 'redis' : 'memory'
    const runsConsumer = this.mode === 'redis' && (options.consumer ?? true)
    this.consumerName = runsConsumer ? (options.consumerName ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`) : null
    this.keys = options.redis ? streamKeys(options.redis.keyPrefix) : null
    this.buffer = new BoundedBuffer(options.bufferLimit ?? 100_000)
    this.committer = new BatchCommitter({
      prisma: options.prisma,
      rateCard: options.rateCard,
      metrics: options.metrics,
      logger: options.logger,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      setAside: (event, reason) => this.setAside(encodeEvent(event), reason),
    })
    // Label lookups cost a hash per call; publish() is on the webhook's path, so resolve once.
    this.enqueued = Object.fromEntries(KINDS.map((k) => [k, options.metrics.ingestEvents.labels(k, 'enqueued')])) as Record<Kind, { inc(): void }>
  }

  publish(event: IngestEvent): void {
    try {
      if (this.closed) {
        this.reportDropped([event], 'the pipeline is closed')
        return
      }
      const dropped = this.buffer.push(event)
      this.enqueued[event.kind]?.inc()
      if (dropped.length > 0) this.reportDropped(dropped, 'the memory buffer is full')
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.afterPublish())
      }
    } catch (err) {
      // A webhook must never fail because of its event; say so, loudly, and go on.
      try {
        this.options.logger.error({ err: errorMessage(err) }, 'ingest: publishing an event failed')
      } catch {
        // Nothing left to do.
      }
    }
  }

  async start(options: { consume?: boolean } = {}): Promise<void> {
    if (this.started) return
    this.started = true
    const o = this.options
    if (o.redis === undefined || this.keys === null) {
      this.memoryConsumer = new MemoryConsumer({
        buffer: this.buffer,
        committer: this.committer,
        batchSize: o.batchSize ?? 500,
        flushIntervalMs: o.flushIntervalMs ?? 100,
        onDepthChange: () => this.updateDepth(),
        onLost: (events) => this.reportDropped(events, 'the database stayed unreachable while closing'),
      })
      this.memoryConsumer.start()
      return
    }
    this.producer = connectRedis(o.redis.url, 'producer', o.logger, 5_000)
    this.shipper = new StreamShipper({
      redis: this.producer,
      streamKey: this.keys.events,
      buffer: this.buffer,
      logger: o.logger,
      onDropped: (events) => this.reportDropped(events, 'the memory buffer is full (Redis unreachable)'),
      onDepthChange: () => this.updateDepth(),
    })
    const shipper = this.shipper
    this.producer.on('ready', () => shipper.kick())
    this.every(SHIP_RETRY_MS, () => shipper.kick())
    this.every(o.sampleIntervalMs ?? 5_000, () => void this.sampleStream())
    if (options.consume ?? true) this.startConsumer()
  }

  startConsumer(): void {
    const o = this.options
    if (!this.started || this.closing !== null || this.streamConsumer !== null) return
    if (this.consumerName === null || o.redis === undefined || this.keys === null || this.producer === null) return
    const blockMs = o.blockMs ?? 1_000
    this.reader = connectRedis(o.redis.url, 'consumer', o.logger, blockMs + 5_000)
    this.streamConsumer = new StreamConsumer({
      reader: this.reader,
      commands: this.producer,
      streamKey: this.keys.events,
      consumerName: this.consumerName,
      committer: this.committer,
      metrics: o.metrics,
      logger: o.logger,
      batchSize: o.batchSize ?? 500,
      blockMs,
      lingerMs: o.flushIntervalMs ?? 100,
      claimIdleMs: o.claimIdleMs ?? 30_000,
      claimIntervalMs: o.claimIntervalMs ?? 10_000,
      retryInitialMs: o.retryInitialMs ?? 100,
      retryMaxMs: o.retryMaxMs ?? 5_000,
      setAsideInvalid: (payload, id) => this.setAside(payload, `not a valid event (stream entry ${id})`),
    })
    this.streamConsumer.start()
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 8_000)
    for (const timer of this.timers) clearInterval(timer)
    if (this.memoryConsumer !== null) {
      await this.memoryConsumer.drain(deadline)
    } else if (this.shipper !== null) {
      await Promise.all([this.streamConsumer?.stop(), this.shipper.drain(deadline)])
      // Once more: webhooks still answering may have published while the consumer stopped.
      const shipped = await this.shipper.drain(deadline)
      if (!shipped) {
        const left = this.buffer.takeFirst(this.buffer.length)
        this.reportDropped(left, 'Redis stayed unreachable while closing')
      }
    }
    // From here on nothing would carry an event anywhere.
    this.closed = true
    const left = this.buffer.takeFirst(this.buffer.length)
    if (left.length > 0) this.reportDropped(left, 'published while closing')
    this.updateDepth()
    this.logDrops()
    await Promise.all([this.reader, this.producer].map((redis) => (redis ? closeRedis(redis) : undefined)))
  }

  private afterPublish(): void {
    this.scheduled = false
    this.updateDepth()
    this.shipper?.kick()
    this.memoryConsumer?.notify()
  }

  private updateDepth(): void {
    this.options.metrics.ingestQueueDepth.labels('memory').set(this.buffer.length)
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms)
    timer.unref()
    this.timers.push(timer)
  }

  /** Stream length and pending count, for the gauges. */
  private async sampleStream(): Promise<void> {
    const producer = this.producer
    if (producer === null || this.keys === null || producer.status !== 'ready') return
    try {
      const length = await producer.xlen(this.keys.events)
      this.options.metrics.ingestQueueDepth.labels('stream').set(length)
      const summary = (await producer.xpending(this.keys.events, CONSUMER_GROUP)) as unknown[]
      this.options.metrics.ingestPending.set(Number(summary[0] ?? 0))
    } catch {
      // No group yet, or Redis away: the next sample will tell.
    }
  }

  /** Keeps an event no write can take in the dead-letter stream (with Redis), for a human. */
  private async setAside(payload: string, reason: string): Promise<void> {
    if (this.producer === null || this.keys === null) return
    try {
      await this.producer.xadd(this.keys.deadLetters, 'MAXLEN', '~', 10_000, '*', EVENT_FIELD, payload, 'reason', reason.slice(0, 500))
    } catch (err) {
      this.options.logger.error({ err: errorMessage(err) }, 'ingest: could not keep an unwritable event in the dead-letter stream')
    }
  }

  private reportDropped(events: IngestEvent[], why: string): void {
    if (events.length === 0) return
    for (const event of events) this.options.metrics.ingestEvents.labels(event.kind, 'dropped').inc()
    this.drops.unlogged += events.length
    this.drops.why = why
    // Loud, but not one line per event: the first drop at once, then a summary every 10 s.
    if (this.drops.timer !== null) return
    const wait = this.drops.lastLog + DROP_LOG_INTERVAL_MS - Date.now()
    if (wait <= 0) {
      this.logDrops()
    } else {
      this.drops.timer = setTimeout(() => this.logDrops(), wait)
      this.drops.timer.unref()
    }
  }

  private logDrops(): void {
    if (this.drops.timer !== null) clearTimeout(this.drops.timer)
    this.drops.timer = null
    if (this.drops.unlogged === 0) return
    this.options.logger.error(
      { dropped: this.drops.unlogged, buffered: this.buffer.length, limit: this.buffer.limit },
      `ingest: events dropped: ${this.drops.why}`,
    )
    this.drops.unlogged = 0
    this.drops.lastLog = Date.now()
  }
}
