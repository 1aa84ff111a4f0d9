import type { Redis } from 'ioredis'
import type { NumberSource } from './load-number.js'
import { withTimeout } from './timing.js'

/**
 * The shared layer: one JSON entry per number (its NumberSource and version, never a compiled
 * form) plus a generation counter that every invalidation bumps.
 *
 *   {prefix}config:number:+14155550100   {"format":1,"version":"…","source":{…}}   PX entryTtlMs
 *   {prefix}config:gen:+14155550100      "7"                                       PX 2 × entryTtlMs
 *   {prefix}config:invalidate            pub/sub channel, messages {"origin":id,"numbers":[…]}
 *
 * Why a generation: a load that read Postgres just before a change must not write its old rows
 * back after the change was invalidated (they would be served for the whole TTL). A loader
 * remembers the generation it saw before querying Postgres and writes back only if it is still
 * the same (atomically, in a script); an invalidation increments it and deletes the entry in one
 * transaction. The counter outlives entries (twice their TTL, refreshed on every write), so a
 * live entry always belongs to the current generation.
 *
 * Every call here goes over the app's shared connection (enableOfflineQueue: false), so it
 * fails at once when Redis is away; the timeout bounds a Redis that accepts but does not answer.
 */

const FORMAT = 1

/** How long a Redis call on the miss path may take before the next layer is asked. */
const REDIS_TIMEOUT_MS = 500

// KEYS[1] entry, KEYS[2] generation; ARGV[1] generation seen before reading Postgres ('' = none),
// ARGV[2] entry JSON, ARGV[3] entry TTL in ms.
const WRITE_BACK_SCRIPT = `
local gen = redis.call('GET', KEYS[2])
if (gen or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if gen then redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[3])) end
return 1
`

export interface RedisEntry {
  version: string
  source: NumberSource
}

/** What a read found: the entry (or null), and the generation to pass to writeBack. */
export interface RedisRead {
  entry: RedisEntry | null
  generation: string
  /** The key held something this version of did-edge cannot read; it will be overwritten. */
  malformed: boolean
}

export class RedisLayer {
  readonly channel: string
  private readonly prefix: string

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly entryTtlMs: number,
  ) {
    this.prefix = `${keyPrefix}config:`
    this.channel = `${keyPrefix}config:invalidate`
  }

  entryKey(phoneNumber: string): string {
    return `${this.prefix}number:${phoneNumber}`
  }

  generationKey(phoneNumber: string): string {
    return `${this.prefix}gen:${phoneNumber}`
  }

  /** One round trip for the entry and the generation. Rejects when Redis cannot answer. */
  async read(phoneNumber: string): Promise<RedisRead> {
    const [raw, generation] = await withTimeout(
      this.redis.mget(this.entryKey(phoneNumber), this.generationKey(phoneNumber)),
      REDIS_TIMEOUT_MS,
      'redis read',
    )
    const entry = raw == null ? null : decodeEntry(raw)
    return { entry, generation: generation ?? '', malformed: raw != null && entry === null }
  }

  /** Stores a source read from Postgres unless an invalidation happened since `generation` was read. */
  async writeBack(phoneNumber: string, generation: string, entry: RedisEntry): Promise<boolean> {
    const json = JSON.stringify({ format: FORMAT, version: entry.version, source: entry.source })
    const written = await withTimeout(
      this.redis.eval(
        WRITE_BACK_SCRIPT,
        2,
        this.entryKey(phoneNumber),
        this.generationKey(phoneNumber),
        generation,
        json,
        String(this.entryTtlMs),
      ),
      REDIS_TIMEOUT_MS,
      'redis write-back',
    )
    return written === 1
  }

  /** Starts a new generation for each number and drops its entry, atomically. */
  async bump(phoneNumbers: readonly string[]): Promise<void> {
    const multi = this.redis.multi()
    for (const phoneNumber of phoneNumbers) {
      const gen = this.generationKey(phoneNumber)
      multi.incr(gen).pexpire(gen, 2 * this.entryTtlMs).del(this.entryKey(phoneNumber))
    }
    const results = await withTimeout(multi.exec(), REDIS_TIMEOUT_MS, 'redis invalidate')
    const failed = results?.find(([err]) => err !== null)
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error('redis invalidate transaction aborted')
  }

  async publish(origin: string, phoneNumbers: readonly string[]): Promise<void> {
    await withTimeout(
      this.redis.publish(this.channel, encodeMessage(origin, phoneNumbers)),
      REDIS_TIMEOUT_MS,
      'redis publish',
    )
  }
}

export interface InvalidationMessage {
  origin: string
  numbers: string[]
}

export function encodeMessage(origin: string, numbers: readonly string[]): string {
  return JSON.stringify({ origin, numbers })
}

/** Null for anything that is not a message this version understands (never throws). */
export function decodeMessage(text: string): InvalidationMessage | null {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return null
    const { origin, numbers } = value as Record<string, unknown>
    if (typeof origin !== 'string' || !Array.isArray(numbers)) return null
    if (!numbers.every((n) => typeof n === 'string')) return null
    return { origin, numbers: numbers as string[] }
  } catch {
    return null
  }
}

/**
 * Checks the shape the engine and NumberRef rely on; anything else (another format, a truncated
 * write) reads as a miss, so Postgres answers and the write-back replaces it.
 */
function decodeEntry(text: string): RedisEntry | null {
  try {
    const value = JSON.parse(text) as { format?: unknown; version?: unknown; source?: Partial<NumberSource> }
    if (value.format !== FORMAT || typeof value.version !== 'string') return null
    const source = value.source
    const n = source?.number
    if (
      n === undefined ||
      typeof n.id !== 'string' ||
      typeof n.phoneNumber !== 'string' ||
      typeof n.countryCode !== 'string' ||
      typeof n.numberType !== 'string' ||
      typeof n.userId !== 'string' ||
      typeof n.ownerTimezone !== 'string' ||
      typeof n.status !== 'string' ||
      !Array.isArray(source?.configurations)
    ) {
      return null
    }
    return { version: value.version, source: source as NumberSource }
  } catch {
    return null
  }
}
