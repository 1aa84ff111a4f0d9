import { createHash } from 'node:crypto'
import { type CompiledNumber, compileNumber, type StoredConfiguration } from '../../routing/index.js'
import type { NumberConfiguration, PrismaClient } from '../generated/prisma/client.js'

/**
 * What the routing engine (and the webhook, for NumberRef) needs about one number, as plain
 * JSON: this is what the Redis layer stores, so every instance compiles the same input. Only
 * active configurations are kept: the engine ignores inactive ones, so editing a draft does not
 * change the version.
 */
export interface NumberSource {
  number: {
    id: string
    phoneNumber: string
    countryCode: string
    numberType: string
    userId: string
    ownerTimezone: string
    /** NumberStatus as stored; RELEASED numbers are treated as unknown by the cache. */
    status: string
  }
  /** Stored rows with JSON columns as stored and dates as ISO strings, oldest first. */
  configurations: StoredConfigurationRow[]
}

export interface StoredConfigurationRow extends StoredConfiguration {
  id: string
  createdAt: string
  updatedAt: string
}

/**
 * A stored configuration row as plain JSON (instants as ISO strings), in a fixed key order:
 * what Redis holds for the engine, and what the API shows of a configuration.
 */
export function configurationJson(c: NumberConfiguration) {
  return {
    id: c.id,
    name: c.name,
    isActive: c.isActive,
    scheduleEnabled: c.scheduleEnabled,
    schedule: c.schedule,
    timezone: c.timezone,
    routingRules: c.routingRules,
    fallbackRules: c.fallbackRules,
    recordCalls: c.recordCalls,
    callScreening: c.callScreening,
    callQueue: c.callQueue,
    maxQueueSize: c.maxQueueSize,
    queueMusic: c.queueMusic,
    conferenceEnabled: c.conferenceEnabled,
    voicemailEnabled: c.voicemailEnabled,
    callForwarding: c.callForwarding,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }
}

/**
 * Reads a number, its owner's time zone and its active configurations. Returns null for an
 * unknown number (whatever its status otherwise: the caller decides what RELEASED means).
 */
export async function readNumberSource(
  prisma: PrismaClient,
  where: { id: string } | { phoneNumber: string },
): Promise<NumberSource | null> {
  const row = await prisma.number.findUnique({
    where,
    select: {
      id: true,
      phoneNumber: true,
      countryCode: true,
      numberType: true,
      userId: true,
      status: true,
      user: { select: { timezone: true } },
      configurations: { where: { isActive: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    },
  })
  if (row === null) return null
  return {
    number: {
      id: row.id,
      phoneNumber: row.phoneNumber,
      countryCode: row.countryCode,
      numberType: row.numberType,
      userId: row.userId,
      ownerTimezone: row.user.timezone,
      status: row.status,
    },
    configurations: row.configurations.map(configurationJson),
  }
}

/**
 * A short fingerprint of a source: equal versions mean equal input to the engine, so a refresh
 * that finds the same version keeps the compiled form it has. Postgres returns jsonb with its
 * keys in a canonical order and the object above is built in a fixed order, so the JSON text
 * is stable.
 */
export function sourceVersion(source: NumberSource): string {
  return createHash('sha256').update(JSON.stringify(source)).digest('base64url').slice(0, 16)
}

/** Compiles a source. Throws RoutingConfigurationError when an active configuration is invalid. */
export function compileSource(source: NumberSource): CompiledNumber {
  const n = source.number
  return compileNumber(
    { numberId: n.id, phoneNumber: n.phoneNumber, countryCode: n.countryCode, ownerTimezone: n.ownerTimezone },
    source.configurations,
  )
}

/**
 * Reads and compiles a number straight from the database, bypassing the cache (the simulate
 * API wants exactly what is stored now). Returns null for an unknown number. Throws
 * RoutingConfigurationError when a stored active configuration is invalid.
 */
export async function loadCompiledNumber(
  prisma: PrismaClient,
  where: { id: string } | { phoneNumber: string },
): Promise<CompiledNumber | null> {
  const source = await readNumberSource(prisma, where)
  return source === null ? null : compileSource(source)
}
