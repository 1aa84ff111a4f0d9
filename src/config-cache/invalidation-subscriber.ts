import { Redis } from 'ioredis'
import type { CacheLogger } from './routing-cache.js'
import { withTimeout } from './timing.js'

export interface SubscriberHandlers {
  /** A message arrived on the channel (raw text; decoding is the cache's business). */
  onMessage(text: string): void
  /**
   * The subscription is (again) in place. Pub/sub is fire-and-forget: anything published while
   * it was not may be lost, so the cache treats what it holds as stale from here.
   */
  onSubscribed(): void
}

const RESUBSCRIBE_DELAY_MS = 1_000
const START_WAIT_MS = 3_000

/**
 * A dedicated connection for the invalidation channel (a subscribed connection cannot run other
 * commands, so it cannot be the app's shared one).
 *
 * ioredis reconnects by itself (retryStrategy) but its autoResubscribe only replays channels
 * of a connection that had been ready, and emits nothing once the SUBSCRIBE is back. So
 * autoResubscribe is off and every 'ready' subscribes here, which gives one place that knows
 * "subscribed again" and tells the cache to refresh what it holds.
 */
export class InvalidationSubscriber {
  private readonly connection: Redis
  private subscribing: Promise<void> | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private lastError = ''
  private closed = false

  constructor(
    redisUrl: string,
    private readonly channel: string,
    private readonly handlers: SubscriberHandlers,
    private readonly log: CacheLogger,
  ) {
    this.connection = new Redis(redisUrl, {
      lazyConnect: true,
      autoResubscribe: false,
      // Commands are only sent once 'ready'; nothing should wait in a queue for a dead Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    })
  }

  /** Resolves once subscribed, or when the first attempt fails or takes over 3 s (retries go on). */
  async start(): Promise<void> {
    this.connection.on('ready', () => {
      this.subscribing = this.subscribe()
    })
    this.connection.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.handlers.onMessage(text)
    })
    this.connection.on('error', (err: Error) => {
      // ioredis repeats the same error on every reconnect attempt; log each distinct one once.
      if (err.message !== this.lastError) this.log.warn({ err: err.message }, 'config cache: invalidation subscriber connection error')
      this.lastError = err.message
    })
    await this.connection.connect().catch(() => {})
    // A Redis that accepts connections but does not answer must not hold the app's start-up.
    if (this.subscribing !== null) await withTimeout(this.subscribing, START_WAIT_MS, 'subscribe').catch(() => {})
  }

  private async subscribe(): Promise<void> {
    if (this.closed) return
    try {
      await this.connection.subscribe(this.channel)
      this.lastError = ''
      this.log.info({ channel: this.channel }, 'config cache: subscribed to invalidations')
      this.handlers.onSubscribed()
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'config cache: subscribing to invalidations failed')
      // A dropped connection brings another 'ready'; a refusal on a live one needs a retry.
      if (!this.closed && this.connection.status === 'ready') {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null
          this.subscribing = this.subscribe()
        }, RESUBSCRIBE_DELAY_MS)
        this.retryTimer.unref()
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.connection.status === 'ready') await this.connection.quit().catch(() => this.connection.disconnect())
    else this.connection.disconnect()
  }
}
