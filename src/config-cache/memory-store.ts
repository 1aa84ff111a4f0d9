import type { Metrics } from '../metrics/metrics.js'
import type { CachedNumber, Lookup } from './routing-cache.js'

export const MISS: Lookup = Object.freeze({ kind: 'miss' })
export const UNKNOWN: Lookup = Object.freeze({ kind: 'unknown' })

/** One number in memory; mutated in place, so peek's answer objects live as long as the entry. */
export interface Slot {
  /** null: a negative entry (unknown or released number). */
  entry: CachedNumber | null
  /** What peek answers: the entry's hit, built once, or UNKNOWN. */
  lookup: Lookup
  /** Compiled: when a refresh is due. Negative: when the entry expires. */
  deadline: number
  /** Consecutive failed refreshes (backoff, and logging once per outage). */
  failures: number
  /** A background refresh is queued or running. */
  refreshing: boolean
}

/**
 * The in-process layer: slots by E.164, with cacheEntries{kind} kept current. The gauge moves by
 * inc/dec (never set), so several caches may share one registry.
 */
export class MemoryStore {
  /** Read directly by the cache's peek: one Map get on the hot path. */
  readonly slots = new Map<string, Slot>()
  private readonly compiledGauge
  private readonly negativeGauge

  constructor(metrics: Metrics) {
    // labels() hashes its arguments on every call; bind once.
    this.compiledGauge = metrics.cacheEntries.labels('compiled')
    this.negativeGauge = metrics.cacheEntries.labels('negative')
  }

  setCompiled(phoneNumber: string, entry: CachedNumber, deadline: number): void {
    const slot = this.slots.get(phoneNumber)
    if (slot === undefined) {
      this.slots.set(phoneNumber, { entry, lookup: Object.freeze({ kind: 'hit', entry }), deadline, failures: 0, refreshing: false })
      this.compiledGauge.inc()
      return
    }
    if (slot.entry === null) {
      this.negativeGauge.dec()
      this.compiledGauge.inc()
    }
    if (slot.entry !== entry) slot.lookup = Object.freeze({ kind: 'hit', entry })
    slot.entry = entry
    slot.deadline = deadline
    slot.failures = 0
  }

  setNegative(phoneNumber: string, deadline: number): void {
    const slot = this.slots.get(phoneNumber)
    if (slot === undefined) {
      this.slots.set(phoneNumber, { entry: null, lookup: UNKNOWN, deadline, failures: 0, refreshing: false })
      this.negativeGauge.inc()
      return
    }
    if (slot.entry !== null) {
      this.compiledGauge.dec()
      this.negativeGauge.inc()
    }
    slot.entry = null
    slot.lookup = UNKNOWN
    slot.deadline = deadline
    slot.failures = 0
  }

  remove(phoneNumber: string, slot: Slot): void {
    this.slots.delete(phoneNumber)
    if (slot.entry === null) this.negativeGauge.dec()
    else this.compiledGauge.dec()
  }

  /** Drops negative entries nobody asked about again (peek drops the ones it meets). */
  sweepExpiredNegatives(now: number): void {
    for (const [phoneNumber, slot] of this.slots) {
      if (slot.entry === null && now >= slot.deadline) this.remove(phoneNumber, slot)
    }
  }
}
