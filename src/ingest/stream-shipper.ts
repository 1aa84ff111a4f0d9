// Moves published events from the in-memory buffer into the Redis stream, a shipment at a time.
// While Redis is away the events stay in the buffer (bounded; see bounded-buffer.ts) and go
// out when it is back. An XADD whose reply was lost may be sent twice; the writer is
// idempotent, so a duplicate entry costs a little work and nothing else.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { BoundedBuffer } from './bounded-buffer.js'
import { encodeEvent } from './event-codec.js'
import type { IngestEvent } from './events.js'
import { errorMessage, type IngestLogger } from './logger.js'
import { EVENT_FIELD } from './redis-stream.js'
import { sleep } from './timing.js'

const EVENTS_PER_SHIPMENT = 500

// One command adds a whole shipment, one stream entry per event as before. Under load a
// shipment holds a handful of events, and an ioredis pipeline per shipment (its object, a
// command object and reply per event) cost the webhook process about 10 µs per call, measured
// with the benchmark. The script is atomic but not transactional: if Redis fails midway the
// shipment is sent again, and the consumers' idempotent writes absorb the repeated entries.
const XADD_ALL = `for i = 2, #ARGV do redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[i]) end return #ARGV - 1`
const XADD_ALL_SHA = createHash('sha1').update(XADD_ALL).digest('hex')

export interface StreamShipperOptions {
  redis: Redis
  streamKey: string
  buffer: BoundedBuffer<IngestEvent>
  logger: IngestLogger
  /** Events the buffer had to drop (it was full when failed ones were put back). */
  onDropped: (events: IngestEvent[]) => void
  /** After every change to the buffer's length. */
  onDepthChange: () => void
}

export class StreamShipper {
  private running: Promise<void> | null = null
  private failing = false

  constructor(private readonly options: StreamShipperOptions) {}

  /** Starts shipping what the buffer holds, unless a shipment is already under way. */
  kick(): void {
    this.running ??= this.shipAll().finally(() => {
      this.running = null
    })
  }

  /** Ships until the buffer is empty (true) or `deadline` (epoch ms) passes (false). */
  async drain(deadline: number): Promise<boolean> {
    while (this.options.buffer.length > 0 && Date.now() < deadline) {
      this.kick()
      await this.running
      if (this.options.buffer.length > 0) await sleep(100)
    }
    return this.options.buffer.length === 0
  }

  private async shipAll(): Promise<void> {
    const { redis, buffer } = this.options
    while (buffer.length > 0 && redis.status === 'ready') {
      const batch = buffer.takeFirst(EVENTS_PER_SHIPMENT)
      this.options.onDepthChange()
      const failed = await this.ship(batch)
      if (failed.length === 0) continue
      const dropped = buffer.putBack(failed)
      this.options.onDepthChange()
      if (dropped.length > 0) this.options.onDropped(dropped)
      return
    }
  }

  /** XADDs the events, one stream entry each; returns those that did not make it (all, or none). */
  private async ship(events: IngestEvent[]): Promise<IngestEvent[]> {
    const { redis, streamKey, logger } = this.options
    let failed: IngestEvent[] = []
    try {
      const payloads = events.map(encodeEvent)
      // The script by its hash; Redis forgets scripts on restart, so then once in full.
      await redis.evalsha(XADD_ALL_SHA, 1, streamKey, EVENT_FIELD, ...payloads).catch((err: unknown) => {
        if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(XADD_ALL, 1, streamKey, EVENT_FIELD, ...payloads)
        throw err
      })
    } catch (err) {
      failed = events
      this.reportFailure(err, events.length)
    }
    if (failed.length === 0 && this.failing) {
      this.failing = false
      logger.info({ buffered: this.options.buffer.length }, 'ingest: events flow to the stream again')
    }
    return failed
  }

  private reportFailure(err: unknown, events: number): void {
    if (this.failing) return
    this.failing = true
    this.options.logger.warn({ err: errorMessage(err), events }, 'ingest: cannot add events to the stream; keeping them in memory')
  }
}
