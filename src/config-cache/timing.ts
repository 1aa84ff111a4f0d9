/** Thrown when a layer did not answer in time; the work itself is not cancelled. */
export class LayerTimeoutError extends Error {
  override name = 'LayerTimeoutError'
}

/**
 * Rejects when `promise` has not settled after `ms`. Used on the miss path only, so a layer that
 * hangs (a stopped Redis, a wedged connection) falls through instead of holding the webhook.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LayerTimeoutError(`${what} timed out after ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

/** Exponential backoff: base, 2 × base, 4 × base, … capped at max (failures counts from 1). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)), maxMs)
}
