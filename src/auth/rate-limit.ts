import type { Redis } from 'ioredis'

/** The outcome of counting one attempt. */
export interface RateLimitHit {
  /** Attempts counted in the current window, this one included. */
  count: number
  /** Whether this attempt is within the limit. */
  allowed: boolean
  /** Seconds until the window ends (what Retry-After says), at least 1. */
  retryAfterSeconds: number
}

export interface RateLimiterOptions {
  /** Attempts allowed per key and window. */
  max: number
  windowSeconds: number
  /** Shared counters across instances; null counts in this process only. */
  redis: Redis | null
  /** Prepended to every Redis key, e.g. `did-edge:ratelimit:`. */
  keyPrefix: string
  /** Told when Redis fails and this process falls back to its own counters. */
  onRedisError?: (err: unknown) => void
  now?: () => number
}

// INCR, and start the window on the first hit. Done in one script so a crash between the two
// commands cannot leave a counter that never expires (which would lock the key out forever).
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`

// Takes back one counted attempt, never below zero and never creating a key: a refund that
// arrives after its window ended must not leave a counter without an expiry.
const REFUND_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`

/** Sweep the in-memory map at most this often, and only once it has grown. */
const SWEEP_INTERVAL_MS = 10_000
const SWEEP_MIN_SIZE = 1_000

/**
 * Fixed-window attempt counters (login, password reset, registration), per key such as
 * `login:ip:1.2.3.4`. An attempt is counted before it is judged, so parallel attempts can never
 * all slip under the limit; a caller that finds the attempt should not count (a successful
 * login) refunds it afterwards. With Redis the counters are shared by all instances; if Redis fails, each instance counts on
 * its own rather than refusing logins or letting them through unlimited.
 */
export class RateLimiter {
  private readonly memory = new Map<string, { count: number; resetAt: number }>()
  private lastSweep = 0
  private readonly windowMs: number
  private readonly now: () => number

  constructor(private readonly options: RateLimiterOptions) {
    this.windowMs = options.windowSeconds * 1000
    this.now = options.now ?? Date.now
  }

  /** Counts one attempt under `key`. */
  async hit(key: string): Promise<RateLimitHit> {
    const { redis } = this.options
    if (redis !== null) {
      try {
        return await this.hitRedis(redis, key)
      } catch (err) {
        this.options.onRedisError?.(err)
      }
    }
    return this.hitMemory(key)
  }

  /** Counts one attempt under each key; the most constraining answer wins. */
  async hitAll(keys: string[]): Promise<RateLimitHit> {
    const hits = await Promise.all(keys.map((k) => this.hit(k)))
    const refused = hits.filter((h) => !h.allowed)
    if (refused.length > 0) {
      return refused.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a))
    }
    return hits.reduce((a, b) => (b.count > a.count ? b : a), { count: 0, allowed: true, retryAfterSeconds: 1 })
  }

  /**
   * Takes back one attempt counted under each key. A refund that lands in the window after
   * the one it was counted in lowers that window's count by one: at most one attempt per
   * refunded success, which is worth less than a second counter per window.
   */
  async refundAll(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.refund(k)))
  }

  private async refund(key: string): Promise<void> {
    const { redis } = this.options
    if (redis !== null) {
      try {
        await redis.eval(REFUND_SCRIPT, 1, `${this.options.keyPrefix}${key}`)
        return
      } catch (err) {
        this.options.onRedisError?.(err)
      }
    }
    const entry = this.memory.get(key)
    if (entry !== undefined && entry.resetAt > this.now() && entry.count > 0) entry.count -= 1
  }

  private async hitRedis(redis: Redis, key: string): Promise<RateLimitHit> {
    const result = (await redis.eval(HIT_SCRIPT, 1, `${this.options.keyPrefix}${key}`, String(this.windowMs))) as [number, number]
    const [count, ttlMs] = result
    return this.answer(count, ttlMs)
  }

  private hitMemory(key: string): RateLimitHit {
    const now = this.now()
    this.sweep(now)
    let entry = this.memory.get(key)
    if (entry === undefined || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + this.windowMs }
      this.memory.set(key, entry)
    }
    entry.count += 1
    return this.answer(entry.count, entry.resetAt - now)
  }

  /** Drops finished windows, so the map holds only keys seen in the last window. */
  private sweep(now: number): void {
    if (this.memory.size < SWEEP_MIN_SIZE || now - this.lastSweep < SWEEP_INTERVAL_MS) return
    this.lastSweep = now
    for (const [key, entry] of this.memory) {
      if (entry.resetAt <= now) this.memory.delete(key)
    }
  }

  private answer(count: number, remainingMs: number): RateLimitHit {
    return {
      count,
      allowed: count <= this.options.max,
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
    }
  }

  /** Keys counted in this process (for tests of the bound). */
  get trackedKeys(): number {
    return this.memory.size
  }
}
