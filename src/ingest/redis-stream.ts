// The Redis side of the pipeline: key names, connections, and the shapes of stream replies.
import { Redis } from 'ioredis'
import { errorMessage, type IngestLogger } from './logger.js'

/** Consumer group of every ingest consumer, in every instance. */
export const CONSUMER_GROUP = 'ingest'

/** Field of a stream entry that holds the event's JSON. */
export const EVENT_FIELD = 'e'

export interface StreamKeys {
  /** The event stream: `${prefix}ingest:events`. */
  events: string
  /** Events no write can take (see batch-committer.ts), kept for inspection: `${prefix}ingest:dead`. */
  deadLetters: string
}

/** The full key names under the deployment's prefix (no ioredis keyPrefix: every key is spelled out). */
export function streamKeys(prefix: string): StreamKeys {
  return { events: `${prefix}ingest:events`, deadLetters: `${prefix}ingest:dead` }
}

/**
 * A connection for the pipeline. Commands fail at once while Redis is away (no offline queue,
 * no resending after a reconnect): the caller keeps the events and tries again, rather than
 * ioredis holding them in a second, unbounded queue. Reconnects in the background.
 */
export function connectRedis(url: string, role: string, logger: IngestLogger, commandTimeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: `did-edge-ingest-${role}`,
  })
  let lastError = ''
  redis.on('error', (err: unknown) => {
    // ioredis repeats the same error on every reconnect attempt; log each distinct one once.
    const message = errorMessage(err)
    if (message !== lastError) logger.warn({ err: message, role }, 'ingest: redis connection error')
    lastError = message
  })
  redis.on('ready', () => {
    if (lastError !== '') logger.info({ role }, 'ingest: redis connection restored')
    lastError = ''
  })
  redis.connect().catch(() => {
    // Reported by the error listener; reconnection continues in the background.
  })
  return redis
}

/** Closes a connection politely when possible. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
  else redis.disconnect()
}

export interface StreamEntry {
  id: string
  /** The event's JSON, or null when the entry has no such field or was deleted. */
  payload: string | null
}

/** Entries of an XREADGROUP / XAUTOCLAIM reply's entry list: [[id, [field, value, ...] | null], ...]. */
export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return []
  const entries: StreamEntry[] = []
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue
    const fields: unknown = item[1]
    let payload: string | null = null
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === EVENT_FIELD && typeof fields[i + 1] === 'string') payload = fields[i + 1] as string
      }
    }
    entries.push({ id: item[0], payload })
  }
  return entries
}

/** Entries of an XREADGROUP reply for one stream: [[key, entries]] or null. */
export function parseReadGroup(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) return []
  const stream: unknown = raw[0]
  return Array.isArray(stream) ? parseEntries(stream[1]) : []
}

/** True for Redis' "the group or the stream does not exist" (e.g. Redis restarted empty). */
export function isNoGroupError(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOGROUP')
}
