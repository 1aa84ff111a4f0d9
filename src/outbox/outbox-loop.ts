// The polling loop shared by the workers that drain an outbox table (webhook deliveries,
// mail): claim a batch, send it, repeat at once while batches come back full, otherwise wait
// for the poll interval or a wake-up; back off while the database refuses; on stop, end the
// waits at once and give sends in flight a grace before cutting them short. What is claimed
// and how it is sent is the worker's business (its runOnce); leases, fencing and retries live
// in its store, so several instances share one table without ever waiting on each other.
import { errorMessage, type IngestLogger } from '../ingest/logger.js'
import { Backoff, Wakeup, sleep } from '../ingest/timing.js'

export interface OutboxLoopOptions {
  /** Claims one batch and sends it; returns how many rows were claimed. */
  runOnce: () => Promise<number>
  /** A batch this full means more may be due: the loop goes on without waiting. */
  batchSize: number
  /** How often the table is polled when nothing woke the loop (ms, default 1000). */
  pollIntervalMs?: number
  /** How long stop() lets sends in flight finish before `cutShort` aborts (ms, default 5000). */
  shutdownGraceMs?: number
  logger: IngestLogger
  /** The warning logged, once per failure, when a batch could not be claimed (the database is away). */
  pollFailure: string
  /** The clock retries are scheduled on. */
  now: () => Date
}

export class OutboxLoop {
  private readonly wakeup = new Wakeup()
  // Aborted by stop(): ends waits at once.
  private readonly stopped = new AbortController()
  // Aborted when stop()'s grace runs out: sends still in flight should give up.
  private readonly aborter = new AbortController()
  private loop: Promise<void> | null = null
  private stopping = false
  private timer: { at: number; handle: NodeJS.Timeout } | null = null

  constructor(private readonly options: OutboxLoopOptions) {}

  /** Aborts once stop()'s grace is over: a send that sees it should give its claim back. */
  get cutShort(): AbortSignal {
    return this.aborter.signal
  }

  start(): void {
    this.loop ??= this.run()
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.wakeup.wake()
  }

  /** Wakes the loop at `at` (a retry due before the next poll). */
  wakeAt(at: Date): void {
    const when = at.getTime()
    if (this.stopping || (this.timer !== null && this.timer.at <= when)) return
    if (this.timer) clearTimeout(this.timer.handle)
    const handle = setTimeout(() => {
      this.timer = null
      this.wakeup.wake()
    }, Math.max(0, when - this.options.now().getTime()))
    handle.unref()
    this.timer = { at: when, handle }
  }

  /**
   * Stops polling at once, lets sends in flight finish for up to shutdownGraceMs, then aborts
   * `cutShort`; `cleanup` runs last whatever happened (closing connections).
   */
  async stop(cleanup: () => Promise<void> = async () => {}): Promise<void> {
    if (this.stopping) return this.loop ?? undefined
    this.stopping = true
    this.stopped.abort()
    if (this.timer) clearTimeout(this.timer.handle)
    this.wakeup.wake()
    const graceMs = this.options.shutdownGraceMs ?? 5000
    const grace = setTimeout(() => this.aborter.abort(), graceMs)
    // A claim stuck on an unreachable database must not hold the shutdown: its transaction
    // ends with the connection, and the lease returns anything it held to the queue.
    let giveUp: NodeJS.Timeout | undefined
    const patience = new Promise<void>((resolve) => {
      giveUp = setTimeout(resolve, graceMs + 1000)
    })
    try {
      await Promise.race([this.loop, patience])
    } finally {
      clearTimeout(grace)
      clearTimeout(giveUp)
      await cleanup().catch(() => {})
    }
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 30_000)
    while (!this.stopping) {
      let claimed = 0
      try {
        claimed = await this.options.runOnce()
        backoff.reset()
      } catch (err) {
        const wait = backoff.next()
        this.options.logger.warn({ err: errorMessage(err), retryInMs: wait }, this.options.pollFailure)
        await sleep(wait, this.stopped.signal)
        continue
      }
      if (claimed < this.options.batchSize && !this.stopping) await this.wakeup.wait(this.options.pollIntervalMs ?? 1000)
    }
  }
}
