/**
 * The configuration cache between the webhook hot path and the database.
 *
 * Layers, keyed by the number in E.164 exactly as Twilio sends it (`To`):
 *   1. memory (memory-store.ts): compiled numbers and negative entries. `peek` is synchronous:
 *      a Map get and a clock comparison, no allocation on a fresh hit (the hit object is built
 *      once per entry; memory lookups are counted in plain integers, flushed to Prometheus every
 *      second). A stale entry (older than refreshAfterMs) is still a hit and starts one
 *      background refresh; the webhook never waits for a number it holds. Compiled entries are
 *      not evicted (numbers are a bounded inventory, and each is a last known good copy).
 *   2. Redis (redis-layer.ts): the number's stored rows as JSON with their version, never a
 *      compiled form (each instance compiles), TTL 1 h, guarded by a generation counter.
 *   3. Postgres (load-number.ts): read on a Redis miss, then written back to Redis.
 * `load` is the miss path (source-reader.ts): Redis, then Postgres; concurrent loads of a number
 * share one promise.
 *
 * Invalidation: after any change through the API, `invalidate(numbers)` bumps the numbers'
 * generations and drops their Redis entries, reloads what this instance holds (so the API's own
 * instance routes the change as soon as the call returns), then PUBLISHes on
 * `{prefix}config:invalidate` (invalidation-publisher.ts). Other instances (invalidation-
 * subscriber.ts) reload what they hold in the background and swap the entry when loaded, from
 * Redis, which the sender has refilled; a negative entry is dropped at once, so a number just
 * created is loaded on its next call. Pub/sub is fire-and-forget: each time the subscriber
 * (re)subscribes, everything held is treated as stale and refreshed; an invalidation Redis could
 * not take is retried every second until it does.
 *
 * When things fail (ROUTING.md §10):
 *   - Redis down: loads fall through to Postgres (counted as redis errors); nothing is written
 *     back; entries in memory keep serving.
 *   - Postgres down: entries in memory keep serving, stale or not. A failed refresh keeps the
 *     entry, is counted (database/error), logged once per outage per number, and retried with a
 *     per-number backoff (1 s doubling to 30 s). After a failure to reach it Postgres is not
 *     asked again for a while (0.5 s doubling to 10 s, real time): loads in that window reject
 *     at once, so a dead database is not hammered and a webhook does not wait on it. Only a
 *     Postgres that cannot be reached (refused, reset, timed out, no free connection, shutting
 *     down: classifyDatabaseError) starts that pause; a read Postgres refuses fails alone.
 *   - `load` rejects only when neither Redis nor Postgres could answer. The webhook then uses
 *     `lastKnownGood` (the compiled entry still held: entries are never dropped on errors), or
 *     the safe default when there is none.
 *   - Unknown number: a negative entry for negativeTtlMs (peek → 'unknown'), in memory only, so
 *     a created number leaves no shared tombstone behind; each instance asks Postgres about an
 *     unknown number at most once per negativeTtlMs. A key that is not E.164 (a `client:` or SIP
 *     `To`, or bytes no number has) is unknown without asking either layer, and leaves no entry.
 *   - RELEASED number: unknown too (its row still goes to Redis), and its compiled entry is
 *     dropped: a released number must not route from memory during an outage. Other statuses
 *     (SUSPENDED, PENDING, …) route as stored.
 *   - A stored active configuration that does not compile (the API validates, so only rows
 *     written behind its back): logged at error level and counted as an error of the layer that
 *     returned it; the last good compiled entry keeps serving; with none, `load` rejects with the
 *     RoutingConfigurationError, so the webhook answers the safe default.
 *   - Rows changed without `invalidate` reach Redis when its entry expires (≤ 1 h), and each
 *     instance on its next refresh after that.
 *
 * Metrics: cacheLookups{layer, result} counts once per layer consulted: memory hit | negative |
 * miss; redis hit | negative (released) | miss | error; database hit | negative | error.
 * cacheInvalidations{origin: local | remote} counts numbers. cacheEntries{kind} moves by inc/dec,
 * so several caches may share one registry.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type CompiledNumber, isE164 } from '../../routing/index.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import type { NumberRef } from '../ingest/events.js'
import type { Metrics } from '../metrics/metrics.js'
import { InvalidationPublisher } from './invalidation-publisher.js'
import { InvalidationSubscriber } from './invalidation-subscriber.js'
import { compileSource } from './load-number.js'
import { MemoryStore, MISS } from './memory-store.js'
import { decodeMessage, RedisLayer } from './redis-layer.js'
import { countLookup, errorMessage, type Found, SourceReader } from './source-reader.js'
import { backoffDelay } from './timing.js'

export { DatabaseUnavailableError } from './source-reader.js'

export interface CachedNumber {
  compiled: CompiledNumber
  number: NumberRef
  /** Fingerprint of the stored rows this was compiled from (equal version, equal routing). */
  version: string
}

export type Lookup = { kind: 'hit'; entry: CachedNumber } | { kind: 'unknown' } | { kind: 'miss' }

/** The subset of Fastify's (pino's) logger the cache uses. */
export interface CacheLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface RoutingCacheOptions {
  prisma: PrismaClient
  /** The app's shared connection (enableOfflineQueue: false); null without Redis. */
  redis: Redis | null
  /** Opens the dedicated subscriber connection; without it no remote invalidation is heard. */
  redisUrl?: string
  keyPrefix: string
  metrics: Metrics
  log: CacheLogger
  /** How long an unknown number stays unknown without asking again (default 30 s). */
  negativeTtlMs?: number
  /** Age after which a hit starts a background refresh (default 60 s). */
  refreshAfterMs?: number
  /** TTL of Redis entries (default 1 h). */
  redisTtlMs?: number
  /** Clock for entry ages and expiry (default Date.now). */
  now?: () => number
}

const RELEASED = 'RELEASED'
const NOT_SERVED: Promise<null> = Promise.resolve(null)
const MAX_CONCURRENT_REFRESHES = 4

interface Flight {
  promise: Promise<CachedNumber | null>
  /** An invalidation arrived while this load was reading: its answer may predate the change. */
  invalidated: boolean
}

export class RoutingCache {
  private readonly metrics: Metrics
  private readonly log: CacheLogger
  private readonly negativeTtlMs: number
  private readonly refreshAfterMs: number
  private readonly now: () => number
  /** Tells this instance's own messages apart (it has reloaded already). */
  private readonly origin = randomUUID()

  private readonly memory: MemoryStore
  private readonly reader: SourceReader
  private readonly publisher: InvalidationPublisher
  private readonly subscriber: InvalidationSubscriber | null
  private readonly hasRedis: boolean

  private readonly flights = new Map<string, Flight>()
  private readonly refreshQueue = new Set<string>()
  private activeRefreshes = 0

  // Memory lookups are counted here and flushed to Prometheus every second: prom-client's
  // inc() hashes labels and allocates, which peek must not do.
  private memoryHits = 0
  private memoryNegatives = 0
  private memoryMisses = 0
  private readonly memoryCounters

  private timers: NodeJS.Timeout[] = []
  private started = false
  private closed = false

  constructor(options: RoutingCacheOptions) {
    this.metrics = options.metrics
    this.log = options.log
    this.negativeTtlMs = options.negativeTtlMs ?? 30_000
    this.refreshAfterMs = options.refreshAfterMs ?? 60_000
    this.now = options.now ?? Date.now
    this.hasRedis = options.redis !== null
    const shared = options.redis === null ? null : new RedisLayer(options.redis, options.keyPrefix, options.redisTtlMs ?? 3_600_000)
    this.memory = new MemoryStore(options.metrics)
    this.reader = new SourceReader(options.prisma, shared, options.metrics, options.log)
    this.publisher = new InvalidationPublisher(options.redis, shared, this.origin, options.log)
    this.subscriber =
      options.redisUrl === undefined
        ? null
        : new InvalidationSubscriber(
            options.redisUrl,
            `${options.keyPrefix}config:invalidate`,
            { onMessage: (text) => this.onMessage(text), onSubscribed: () => this.onSubscribed() },
            options.log,
          )
    this.memoryCounters = {
      hit: options.metrics.cacheLookups.labels('memory', 'hit'),
      negative: options.metrics.cacheLookups.labels('memory', 'negative'),
      miss: options.metrics.cacheLookups.labels('memory', 'miss'),
    }
  }

  /** Subscribes to invalidations and starts housekeeping. Never fails for a Redis that is down. */
  async start(): Promise<void> {
    if (this.started || this.closed) return
    this.started = true
    this.timers.push(setInterval(() => this.everySecond(), 1_000))
    this.timers.push(setInterval(() => this.memory.sweepExpiredNegatives(this.now()), Math.max(this.negativeTtlMs, 1_000)))
    for (const timer of this.timers) timer.unref()
    if (this.subscriber !== null) await this.subscriber.start()
    else if (this.hasRedis) this.log.warn({}, 'config cache: no redisUrl, so invalidations from other instances are not heard')
  }

  /** The hot path: memory only, synchronous. */
  peek(phoneNumber: string): Lookup {
    const slot = this.memory.slots.get(phoneNumber)
    if (slot === undefined) {
      this.memoryMisses++
      return MISS
    }
    if (this.now() < slot.deadline) {
      if (slot.entry === null) this.memoryNegatives++
      else this.memoryHits++
      return slot.lookup
    }
    if (slot.entry === null) {
      this.memory.remove(phoneNumber, slot)
      this.memoryMisses++
      return MISS
    }
    this.memoryHits++
    this.ensureRefresh(phoneNumber)
    return slot.lookup
  }

  /** The miss path: Redis, then Postgres. null = unknown number. Rejects when neither can answer. */
  load(phoneNumber: string): Promise<CachedNumber | null> {
    // Stored numbers are E.164 (chk_phone_number_format), so anything else is unknown without
    // asking: a key with a NUL would make Postgres fail, and garbage keys must not fill memory.
    if (!isE164(phoneNumber)) return NOT_SERVED
    return this.fetch(phoneNumber)
  }

  /** The compiled entry still held, however old; null if none (or the number is known unknown). */
  lastKnownGood(phoneNumber: string): CachedNumber | null {
    return this.memory.slots.get(phoneNumber)?.entry ?? null
  }

  /**
   * Called after any change to numbers or their configurations (or to an owner's time zone).
   * Resolves once this instance holds the new state (a failed reload keeps the old entry, due
   * for another try) and the other instances were told, or the telling was queued for retry.
   */
  async invalidate(phoneNumbers: readonly string[]): Promise<void> {
    const numbers = [...new Set(phoneNumbers)]
    if (numbers.length === 0) return
    this.metrics.cacheInvalidations.labels('local').inc(numbers.length)
    // Shared state first: a reload that starts after this reads the new rows and writes them
    // back under the new generation, where the other instances will find them.
    const bumped = await this.publisher.bump(numbers)
    await Promise.all(
      numbers.map(async (phoneNumber) => {
        const held = this.memory.slots.has(phoneNumber) || this.flights.has(phoneNumber)
        const previous = this.markChanged(phoneNumber)
        if (previous !== undefined) await previous.catch(() => {})
        // Also a negative entry: a number just created is then routed by this instance at once.
        if (held) await this.fetch(phoneNumber).catch(() => {})
      }),
    )
    if (bumped) await this.publisher.publish(numbers)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    this.flushMemoryLookups()
    this.refreshQueue.clear()
    if (this.publisher.pendingCount > 0) {
      this.log.warn({ count: this.publisher.pendingCount }, 'config cache: closing with invalidations Redis never took')
    }
    await this.subscriber?.close()
    // Let reads in progress finish before the caller closes Prisma under them.
    await Promise.allSettled([...this.flights.values()].map((f) => f.promise))
  }

  // --- loading ---------------------------------------------------------------------------------

  /** One read per number at a time: concurrent callers share its promise. */
  private fetch(phoneNumber: string): Promise<CachedNumber | null> {
    const existing = this.flights.get(phoneNumber)
    if (existing !== undefined) return existing.promise
    const flight: Flight = { promise: Promise.resolve(null), invalidated: false }
    flight.promise = this.readAndInstall(phoneNumber).finally(() => {
      this.flights.delete(phoneNumber)
      if (flight.invalidated) this.markChanged(phoneNumber)
    })
    this.flights.set(phoneNumber, flight)
    return flight.promise
  }

  private async readAndInstall(phoneNumber: string): Promise<CachedNumber | null> {
    let found: Found
    try {
      found = await this.reader.read(phoneNumber)
    } catch (err) {
      this.readFailed(phoneNumber, err)
      throw err
    }
    return this.install(phoneNumber, found)
  }

  /** Turns what a layer answered into the memory entry; counts that layer's result. */
  private install(phoneNumber: string, found: Found): CachedNumber | null {
    const { source, layer } = found
    if (source === null || source.number.status === RELEASED) {
      countLookup(this.metrics, layer, 'negative')
      if (this.lastKnownGood(phoneNumber) !== null) {
        this.log.info({ phoneNumber }, 'config cache: number unknown or released; compiled entry dropped')
      }
      this.memory.setNegative(phoneNumber, this.now() + this.negativeTtlMs)
      return null
    }
    const slot = this.memory.slots.get(phoneNumber)
    const held = slot?.entry ?? null
    const failures = slot?.failures ?? 0
    if (held !== null && held.version === found.version) {
      countLookup(this.metrics, layer, 'hit')
      this.memory.setCompiled(phoneNumber, held, this.now() + this.refreshAfterMs)
      if (failures > 0) this.log.info({ phoneNumber, failures }, 'config cache: refreshed again')
      return held
    }
    let compiled: CompiledNumber
    try {
      compiled = compileSource(source)
    } catch (err) {
      countLookup(this.metrics, layer, 'error')
      const configurations = (err as { configurations?: { configurationId: string | null }[] }).configurations
      this.log.error(
        { phoneNumber, version: found.version, configurationIds: configurations?.map((c) => c.configurationId), err: errorMessage(err) },
        held === null
          ? 'config cache: stored configuration does not compile and no good one is held; calls get the safe default'
          : 'config cache: stored configuration does not compile; keeping the last good one',
      )
      // The rows will not change without an invalidation: look again at the normal pace.
      if (slot !== undefined && held !== null) {
        slot.deadline = this.now() + this.refreshAfterMs
        slot.failures = 0
      }
      throw err
    }
    countLookup(this.metrics, layer, 'hit')
    const n = source.number
    const entry: CachedNumber = {
      compiled,
      number: { numberId: n.id, userId: n.userId, countryCode: n.countryCode, numberType: n.numberType },
      version: found.version,
    }
    this.memory.setCompiled(phoneNumber, entry, this.now() + this.refreshAfterMs)
    if (failures > 0) this.log.info({ phoneNumber, failures }, 'config cache: refreshed again')
    return entry
  }

  /** Neither layer answered: keep what is held, due again after a backoff (1 s doubling to 30 s). */
  private readFailed(phoneNumber: string, err: unknown): void {
    const slot = this.memory.slots.get(phoneNumber)
    if (slot === undefined || slot.entry === null) return
    slot.failures++
    slot.deadline = this.now() + backoffDelay(slot.failures, 1_000, 30_000)
    if (slot.failures === 1) {
      this.log.warn({ phoneNumber, err: errorMessage(err) }, 'config cache: refresh failed; serving the last known good configuration')
    }
  }

  // --- background refresh ----------------------------------------------------------------------

  /**
   * The number may have changed: a compiled entry becomes due for refresh (still served until
   * the refresh swaps it), a negative one is dropped, a read in progress is flagged so its
   * answer is refreshed again. Returns that read, if any.
   */
  private markChanged(phoneNumber: string): Promise<unknown> | undefined {
    const flight = this.flights.get(phoneNumber)
    if (flight !== undefined) flight.invalidated = true
    const slot = this.memory.slots.get(phoneNumber)
    if (slot !== undefined) {
      if (slot.entry === null) this.memory.remove(phoneNumber, slot)
      else {
        slot.deadline = 0
        this.ensureRefresh(phoneNumber)
      }
    }
    return flight?.promise
  }

  /** Queues one background refresh of a compiled entry that is due, unless one is on its way. */
  private ensureRefresh(phoneNumber: string): void {
    const slot = this.memory.slots.get(phoneNumber)
    if (this.closed || slot === undefined || slot.entry === null || slot.refreshing) return
    if (this.now() < slot.deadline) return
    slot.refreshing = true
    this.refreshQueue.add(phoneNumber)
    this.pumpRefreshes()
  }

  /** At most a few refreshes at once, so "refresh everything" after a reconnect is not a stampede. */
  private pumpRefreshes(): void {
    while (!this.closed && this.activeRefreshes < MAX_CONCURRENT_REFRESHES && this.refreshQueue.size > 0) {
      const phoneNumber = this.refreshQueue.values().next().value as string
      this.refreshQueue.delete(phoneNumber)
      this.activeRefreshes++
      void this.refresh(phoneNumber).finally(() => {
        this.activeRefreshes--
        this.pumpRefreshes()
      })
    }
  }

  private async refresh(phoneNumber: string): Promise<void> {
    try {
      // Refreshed by a load, or dropped, while it waited in the queue.
      const slot = this.memory.slots.get(phoneNumber)
      if (slot === undefined || slot.entry === null || this.now() < slot.deadline) return
      await this.fetch(phoneNumber)
    } catch {
      // Counted and logged where it failed; the old entry stays, due again after the backoff.
    } finally {
      const slot = this.memory.slots.get(phoneNumber)
      if (slot !== undefined) {
        slot.refreshing = false
        // Marked changed while this refresh was reading: go again.
        if (slot.entry !== null && slot.deadline === 0) this.ensureRefresh(phoneNumber)
      }
    }
  }

  // --- invalidations from other instances ------------------------------------------------------

  private onMessage(text: string): void {
    const message = decodeMessage(text)
    if (message === null) {
      this.log.warn({}, 'config cache: ignoring an unreadable invalidation message')
      return
    }
    if (message.origin === this.origin || this.closed) return
    this.metrics.cacheInvalidations.labels('remote').inc(message.numbers.length)
    for (const phoneNumber of message.numbers) this.markChanged(phoneNumber)
  }

  /** (Re)subscribed: anything published meanwhile was lost, so all that is held may be stale. */
  private onSubscribed(): void {
    for (const phoneNumber of [...this.memory.slots.keys(), ...this.flights.keys()]) this.markChanged(phoneNumber)
  }

  // --- housekeeping ----------------------------------------------------------------------------

  private everySecond(): void {
    this.flushMemoryLookups()
    void this.publisher.retryPending((numbers) => {
      for (const phoneNumber of numbers) this.markChanged(phoneNumber)
    })
  }

  private flushMemoryLookups(): void {
    if (this.memoryHits > 0) this.memoryCounters.hit.inc(this.memoryHits)
    if (this.memoryNegatives > 0) this.memoryCounters.negative.inc(this.memoryNegatives)
    if (this.memoryMisses > 0) this.memoryCounters.miss.inc(this.memoryMisses)
    this.memoryHits = 0
    this.memoryNegatives = 0
    this.memoryMisses = 0
  }
}
