import type { Redis } from 'ioredis'
import type { RedisLayer } from './redis-layer.js'
import type { CacheLogger } from './routing-cache.js'
import { errorMessage } from './source-reader.js'

/**
 * The sending half of invalidation: bump the numbers' generations in Redis (which drops their
 * entries), then, once the sender has reloaded, PUBLISH them. What Redis does not take is kept
 * and retried (`retryPending`, every second while the shared connection is ready), so a change
 * made while Redis was away still reaches Redis and the other instances when it is back.
 */
export class InvalidationPublisher {
  private readonly pending = new Set<string>()

  constructor(
    private readonly redis: Redis | null,
    private readonly shared: RedisLayer | null,
    /** Sent with each message, so an instance can ignore its own. */
    private readonly origin: string,
    private readonly log: CacheLogger,
  ) {}

  get pendingCount(): number {
    return this.pending.size
  }

  /** Returns false (and keeps the numbers for a retry) when Redis did not take the change. */
  async bump(numbers: readonly string[]): Promise<boolean> {
    if (this.shared === null) return false
    try {
      await this.shared.bump(numbers)
      return true
    } catch (err) {
      for (const n of numbers) this.pending.add(n)
      this.log.warn({ err: errorMessage(err), count: numbers.length }, 'config cache: Redis did not take an invalidation; retrying when it is back')
      return false
    }
  }

  async publish(numbers: readonly string[]): Promise<void> {
    if (this.shared === null) return
    try {
      await this.shared.publish(this.origin, numbers)
    } catch (err) {
      for (const n of numbers) this.pending.add(n)
      this.log.warn({ err: errorMessage(err), count: numbers.length }, 'config cache: publishing an invalidation failed; retrying when Redis is back')
    }
  }

  /**
   * Delivers what Redis did not take earlier. `bumped` runs between the bump and the publish:
   * what this instance reloaded while Redis was away may have come from an entry the bump has
   * just dropped, so it reloads too.
   */
  async retryPending(bumped: (numbers: readonly string[]) => void): Promise<void> {
    if (this.pending.size === 0 || this.redis?.status !== 'ready') return
    const numbers = [...this.pending]
    this.pending.clear()
    if (!(await this.bump(numbers))) return
    bumped(numbers)
    await this.publish(numbers)
    this.log.info({ count: numbers.length }, 'config cache: delayed invalidations delivered')
  }
}
