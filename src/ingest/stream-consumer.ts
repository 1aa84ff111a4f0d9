// Reads the event stream as one consumer of the group `ingest`, writes each batch in one
// transaction, and acknowledges (XACK, then XDEL so the stream does not grow forever) only
// after the commit. Anything not acknowledged stays in the group's pending list:
// - this consumer re-reads its own pending entries (ID 0) before new ones (ID >), at start
//   and after any failure, so a batch whose ack was lost is written again (idempotently);
// - entries left by a consumer that died are claimed (XAUTOCLAIM) once idle for claimIdleMs
//   and then read as this consumer's own. A live consumer keeps the entries it is working on
//   from looking idle, so a claim means a consumer really stopped.
import type { Redis } from 'ioredis'
import type { Metrics } from '../metrics/metrics.js'
import type { BatchCommitter } from './batch-committer.js'
import { decodeEvent } from './event-codec.js'
import type { IngestEvent } from './events.js'
import { errorMessage, type IngestLogger } from './logger.js'
import { CONSUMER_GROUP, isNoGroupError, parseEntries, parseReadGroup, type StreamEntry } from './redis-stream.js'
import { Backoff, sleep } from './timing.js'

export interface StreamConsumerOptions {
  /** The consumer's own connection: XREADGROUP BLOCK holds it while waiting. */
  reader: Redis
  /** A connection for everything else (claims), which must not wait behind a blocked read. */
  commands: Redis
  streamKey: string
  consumerName: string
  committer: BatchCommitter
  metrics: Metrics
  logger: IngestLogger
  batchSize: number
  blockMs: number
  /** After writing a batch of new entries that was not full, wait this long before reading more. */
  lingerMs: number
  claimIdleMs: number
  claimIntervalMs: number
  retryInitialMs: number
  retryMaxMs: number
  /** Keeps a stream entry that is not a valid event. */
  setAsideInvalid: (payload: string, id: string) => Promise<void>
}

/** Resolves when the connection is ready, after `ms`, or on abort, whichever is first. */
function whenReady(redis: Redis, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      redis.off('ready', done)
      signal.removeEventListener('abort', done)
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(done, ms)
    redis.once('ready', done)
    signal.addEventListener('abort', done, { once: true })
  })
}

// A consumer that stopped without deleting itself stays in the group's list; once it has
// nothing pending and has been silent this long, it is removed.
const FORGET_CONSUMER_AFTER_MS = 60 * 60 * 1000
const MAX_CLAIM_ROUNDS = 10

export class StreamConsumer {
  private readonly stopController = new AbortController()
  private loop: Promise<void> | null = null
  private claimTimer: NodeJS.Timeout | null = null
  private groupReady = false
  // Read this consumer's pending entries (ID 0) before new ones: after a failure (a batch
  // written but not acknowledged) and after claiming entries of a stopped consumer.
  private readPending = true

  constructor(private readonly options: StreamConsumerOptions) {}

  /** Starts reading and claiming in the background. */
  start(): void {
    this.loop ??= this.run()
    this.claimTimer = setInterval(() => void this.claimIdle(), this.options.claimIntervalMs)
    this.claimTimer.unref()
  }

  /**
   * Stops: no new reads; a batch in flight is written and acknowledged if the database takes
   * it (otherwise it stays pending in the stream for another consumer). Resolves when done.
   */
  async stop(): Promise<void> {
    if (this.claimTimer !== null) clearInterval(this.claimTimer)
    this.stopController.abort()
    await this.loop
    await this.leaveGroupIfIdle()
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.retryInitialMs, this.options.retryMaxMs)
    while (!this.stopping) {
      if (this.options.reader.status !== 'ready') {
        // Connecting, or Redis away: wait for the connection rather than fail a read per backoff step.
        await whenReady(this.options.reader, 1_000, this.stopController.signal)
        continue
      }
      try {
        await this.ensureGroup()
        const pending = this.readPending
        const entries = await this.read(pending)
        if (entries.length === 0) {
          // Only an empty read of the pending list clears the flag: a claim may have set it
          // again while a blocking read of new entries was waiting.
          if (pending) this.readPending = false
          continue
        }
        await this.process(entries)
        if (backoff.failures > 0) this.options.logger.info({}, 'ingest: reading the stream again')
        backoff.reset()
        // A short batch means the stream is drained: let the next one fill for a moment. Writing
        // each trickle at once costs a transaction per few events; under the benchmark's steady
        // load that was 50 µs of this process's CPU per event instead of 36 (Postgres 44 → 37).
        if (!pending && entries.length < this.options.batchSize) await sleep(this.options.lingerMs, this.stopController.signal)
      } catch (err) {
        if (isNoGroupError(err)) this.groupReady = false
        this.readPending = true
        const delay = backoff.next()
        if (backoff.failures === 1) this.options.logger.warn({ err: errorMessage(err), retryInMs: delay }, 'ingest: reading the stream failed; retrying')
        await sleep(delay, this.stopController.signal)
      }
    }
  }

  /** Creates the group (and the stream) if missing, from the stream's start so nothing added before is missed. */
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return
    try {
      await this.options.reader.xgroup('CREATE', this.options.streamKey, CONSUMER_GROUP, '0', 'MKSTREAM')
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err
    }
    this.groupReady = true
  }

  /** Up to batchSize of this consumer's pending entries (ID 0), or of new ones (ID >, waiting up to blockMs). */
  private async read(pending: boolean): Promise<StreamEntry[]> {
    const { reader, streamKey, consumerName, batchSize, blockMs } = this.options
    const raw = pending
      ? await reader.xreadgroup('GROUP', CONSUMER_GROUP, consumerName, 'COUNT', batchSize, 'STREAMS', streamKey, '0')
      : await reader.xreadgroup('GROUP', CONSUMER_GROUP, consumerName, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', streamKey, '>')
    return parseReadGroup(raw)
  }

  private async process(entries: StreamEntry[]): Promise<void> {
    const events: IngestEvent[] = []
    for (const entry of entries) {
      // A pending entry deleted from the stream has no payload: nothing to write, just ack it.
      if (entry.payload === null) continue
      const event = decodeEvent(entry.payload)
      if (event !== null) {
        events.push(event)
        continue
      }
      this.options.metrics.ingestEvents.labels('unknown', 'dropped').inc()
      this.options.logger.error({ id: entry.id }, 'ingest: a stream entry is not a valid event; set aside')
      await this.options.setAsideInvalid(entry.payload, entry.id)
    }
    const ids = entries.map((e) => e.id)
    // While the write is retried (the database away), the entries would look idle and be
    // claimed by other consumers (or this one) as if this consumer had died: keep them fresh.
    const keepAlive = setInterval(() => void this.touch(ids), Math.max(100, Math.floor(this.options.claimIdleMs / 3)))
    try {
      // Not written (the database failed until stop): leave the entries pending for later.
      if (!(await this.options.committer.commit(events, this.stopController.signal))) return
    } finally {
      clearInterval(keepAlive)
    }
    await this.acknowledge(ids)
  }

  /** Resets the idle time of entries this consumer is still working on (XCLAIM to itself). */
  private async touch(ids: string[]): Promise<void> {
    const { commands, streamKey, consumerName } = this.options
    try {
      await commands.xclaim(streamKey, CONSUMER_GROUP, consumerName, 0, ...ids, 'JUSTID')
    } catch {
      // Redis away: nobody can claim them meanwhile either.
    }
  }

  private async acknowledge(ids: string[]): Promise<void> {
    const { reader, streamKey } = this.options
    const results = await reader.multi().xack(streamKey, CONSUMER_GROUP, ...ids).xdel(streamKey, ...ids).exec()
    const failure = results?.find(([err]) => err !== null)?.[0]
    if (results === null || failure) throw failure ?? new Error('acknowledging stream entries failed')
  }

  /** Takes over entries another consumer left unacknowledged for longer than claimIdleMs. */
  private async claimIdle(): Promise<void> {
    const { commands, streamKey, consumerName, claimIdleMs, batchSize, metrics, logger } = this.options
    if (this.stopping || commands.status !== 'ready') return
    try {
      let cursor = '0-0'
      let claimed = 0
      for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
        const reply = await commands.xautoclaim(streamKey, CONSUMER_GROUP, consumerName, claimIdleMs, cursor, 'COUNT', batchSize)
        claimed += parseEntries(reply[1]).length
        cursor = typeof reply[0] === 'string' ? reply[0] : '0-0'
        if (cursor === '0-0') break
      }
      if (claimed > 0) {
        metrics.ingestReclaimed.inc(claimed)
        logger.info({ claimed, consumer: consumerName }, 'ingest: claimed stream entries left by a stopped consumer')
        this.readPending = true
      }
      await this.forgetDeadConsumers()
    } catch (err) {
      // NOGROUP before the first read, or Redis away: the next round tries again.
      if (!isNoGroupError(err)) logger.debug({ err: errorMessage(err) }, 'ingest: claiming idle entries failed')
    }
  }

  private async forgetDeadConsumers(): Promise<void> {
    const { commands, streamKey, consumerName } = this.options
    const consumers = (await commands.xinfo('CONSUMERS', streamKey, CONSUMER_GROUP)) as unknown[]
    for (const info of consumers) {
      if (!Array.isArray(info)) continue
      const fields = new Map<string, unknown>()
      for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1])
      const name = String(fields.get('name'))
      if (name !== consumerName && fields.get('pending') === 0 && Number(fields.get('idle')) > FORGET_CONSUMER_AFTER_MS) {
        await commands.xgroup('DELCONSUMER', streamKey, CONSUMER_GROUP, name)
      }
    }
  }

  /** A consumer that leaves with nothing pending removes itself from the group's list. */
  private async leaveGroupIfIdle(): Promise<void> {
    const { commands, streamKey, consumerName } = this.options
    if (commands.status !== 'ready') return
    try {
      const pending = (await commands.xpending(streamKey, CONSUMER_GROUP, '-', '+', 1, consumerName)) as unknown[]
      if (pending.length === 0) await commands.xgroup('DELCONSUMER', streamKey, CONSUMER_GROUP, consumerName)
    } catch {
      // Best effort: a consumer left behind is forgotten later by the others.
    }
  }
}
