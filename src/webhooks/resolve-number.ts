import type { CachedNumber, RoutingCache } from '../config-cache/routing-cache.js'

/**
 * How a webhook found the called number's configuration:
 * - routed: from the cache (memory, or loaded from Redis / Postgres on a miss);
 * - last_known_good: loading failed, an older compiled copy answered;
 * - unknown_number: no such number (or no `To`);
 * - safe_default: loading failed and nothing was ever compiled for it.
 */
export type Resolution =
  | { entry: CachedNumber; outcome: 'routed' | 'last_known_good' }
  | { entry: null; outcome: 'unknown_number' | 'safe_default' }

const UNKNOWN: Resolution = { entry: null, outcome: 'unknown_number' }
const SAFE_DEFAULT: Resolution = { entry: null, outcome: 'safe_default' }

/** The fast path: a synchronous memory lookup; null means "not in memory, load it". */
export function resolveFromMemory(cache: RoutingCache, to: string | undefined): Resolution | null {
  if (to === undefined || to === '') return UNKNOWN
  const lookup = cache.peek(to)
  if (lookup.kind === 'hit') return { entry: lookup.entry, outcome: 'routed' }
  if (lookup.kind === 'unknown') return UNKNOWN
  return null
}

/** The miss path: Redis, then Postgres; on failure the last known good copy, else the safe default. */
export async function resolveByLoading(cache: RoutingCache, to: string): Promise<Resolution> {
  try {
    const entry = await cache.load(to)
    return entry === null ? UNKNOWN : { entry, outcome: 'routed' }
  } catch {
    const entry = cache.lastKnownGood(to)
    return entry === null ? SAFE_DEFAULT : { entry, outcome: 'last_known_good' }
  }
}

/** Never waits when the number is in memory; awaits a load only on a miss. */
export function resolveNumber(cache: RoutingCache, to: string | undefined): Resolution | Promise<Resolution> {
  return resolveFromMemory(cache, to) ?? resolveByLoading(cache, to as string)
}

/** The Fallback URL's rule: answer from memory or the last known good copy, and never wait. */
export function resolveWithoutWaiting(cache: RoutingCache, to: string | undefined): Resolution {
  const fromMemory = resolveFromMemory(cache, to)
  if (fromMemory !== null) return fromMemory
  const entry = cache.lastKnownGood(to as string)
  return entry === null ? SAFE_DEFAULT : { entry, outcome: 'last_known_good' }
}
