// Waiting, in the ways the pipeline's loops need it: sleeps that end early on shutdown,
// exponential backoff for retries, and a wake-up call for an idle loop.

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Exponential backoff with jitter, so instances retrying together do not stay in step. */
export class Backoff {
  private attempt = 0

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The failures since the last reset. */
  get failures(): number {
    return this.attempt
  }

  /** The delay before the next attempt (and counts this failure). */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 20))
    this.attempt += 1
    return Math.round(base / 2 + (Math.random() * base) / 2)
  }

  reset(): void {
    this.attempt = 0
  }
}

/** Lets a loop wait for work: `wait(ms)` resolves on `wake()` or after `ms`, whichever is first. */
export class Wakeup {
  private waiting: (() => void) | null = null
  private pending = false

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms)
      const self = this
      function finish() {
        clearTimeout(timer)
        self.waiting = null
        resolve()
      }
      this.waiting = finish
    })
  }

  wake(): void {
    if (this.waiting !== null) this.waiting()
    else this.pending = true
  }
}
