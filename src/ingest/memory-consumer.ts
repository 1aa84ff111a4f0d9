// Without Redis: the buffer itself is the queue. Events are written in batches, when
// batchSize are waiting or flushIntervalMs after the first one arrived, whichever is first;
// a failed batch is retried (it waits in memory meanwhile). Single instance only, and only
// as durable as the process: close() drains what it can.
import type { BatchCommitter } from './batch-committer.js'
import type { BoundedBuffer } from './bounded-buffer.js'
import type { IngestEvent } from './events.js'
import { Wakeup } from './timing.js'

export interface MemoryConsumerOptions {
  buffer: BoundedBuffer<IngestEvent>
  committer: BatchCommitter
  batchSize: number
  flushIntervalMs: number
  onDepthChange: () => void
  /** Events that could not be written before the drain deadline. */
  onLost: (events: IngestEvent[]) => void
}

const IDLE_WAIT_MS = 60_000

export class MemoryConsumer {
  private readonly wakeup = new Wakeup()
  // Aborted when draining must end: the committer stops retrying.
  private readonly giveUp = new AbortController()
  private closing = false
  // Waiting for the first event of the next batch (as opposed to letting a batch fill up).
  private idle = false
  private loop: Promise<void> | null = null

  constructor(private readonly options: MemoryConsumerOptions) {}

  start(): void {
    this.loop ??= this.run()
  }

  /** Tells the loop an event arrived (wakes it when a batch is full, or when it was idle). */
  notify(): void {
    if (this.idle || this.options.buffer.length >= this.options.batchSize) this.wakeup.wake()
  }

  /** Writes everything queued; after `deadline` (epoch ms), what could not be written is lost. */
  async drain(deadline: number): Promise<void> {
    this.closing = true
    this.wakeup.wake()
    const timer = setTimeout(() => this.giveUp.abort(), Math.max(0, deadline - Date.now()))
    try {
      await this.loop
    } finally {
      clearTimeout(timer)
    }
  }

  private async run(): Promise<void> {
    const { buffer, batchSize, flushIntervalMs, committer } = this.options
    for (;;) {
      if (buffer.length === 0) {
        if (this.closing) return
        this.idle = true
        await this.wakeup.wait(IDLE_WAIT_MS)
        this.idle = false
        continue
      }
      // Let a batch fill up a little: fewer, larger transactions.
      if (buffer.length < batchSize && !this.closing) await this.wakeup.wait(flushIntervalMs)
      const batch = buffer.takeFirst(batchSize)
      this.options.onDepthChange()
      if (!(await committer.commit(batch, this.giveUp.signal))) {
        // Only when draining ran out of time with the database down: nothing can be written.
        const rest = buffer.takeFirst(buffer.length)
        this.options.onDepthChange()
        this.options.onLost([...batch, ...rest])
        return
      }
    }
  }
}
