import { type Configuration, type LintWarning, validateConfiguration } from '../../../routing/index.js'
import { isUniqueViolation } from '../../db/errors.js'
import { conflict, notFound, validationFailed } from '../../errors.js'
import { Prisma, type NumberConfiguration, type PrismaClient } from '../../generated/prisma/client.js'
import type { AccessMode } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { getNumber } from '../numbers/service.js'
import type { ConfigurationInput } from './schemas.js'

export interface SavedConfiguration {
  row: NumberConfiguration
  /** The row before an update (for the audit trail). */
  previous?: NumberConfiguration
  warnings: LintWarning[]
  /** The number whose routing changed: the caller invalidates its cached configuration. */
  phoneNumber: string
}

/** Runs the routing engine's validation; a refusal becomes a 400 listing every path at fault. */
export function validated(input: unknown): { value: Configuration; warnings: LintWarning[] } {
  const result = validateConfiguration(input)
  if (!result.ok) {
    const first = result.errors[0]
    throw validationFailed(first ? `${first.path}: ${first.message}` : 'invalid configuration', result.errors)
  }
  return { value: result.value, warnings: result.warnings }
}

const json = (value: unknown) => (value === null || value === undefined ? Prisma.DbNull : (value as Prisma.InputJsonValue))

/** The columns of a validated configuration, in the normalized form the engine reads back. */
function columns(value: Configuration) {
  return {
    name: value.name,
    isActive: value.isActive,
    scheduleEnabled: value.scheduleEnabled,
    schedule: json(value.schedule),
    timezone: value.timezone,
    routingRules: value.routingRules as unknown as Prisma.InputJsonValue,
    fallbackRules: json(value.fallbackRules),
    recordCalls: value.recordCalls,
    callScreening: value.callScreening,
    callQueue: value.callQueue,
    maxQueueSize: value.maxQueueSize,
    queueMusic: value.queueMusic,
    conferenceEnabled: value.conferenceEnabled,
    voicemailEnabled: value.voicemailEnabled,
    callForwarding: json(value.callForwarding),
  }
}

/** A stored row as configuration input, so a PATCH can be validated as the whole it makes. */
function asInput(row: NumberConfiguration): ConfigurationInput {
  return {
    name: row.name,
    isActive: row.isActive,
    scheduleEnabled: row.scheduleEnabled,
    schedule: row.schedule,
    timezone: row.timezone,
    routingRules: row.routingRules,
    fallbackRules: row.fallbackRules,
    recordCalls: row.recordCalls,
    callScreening: row.callScreening,
    callQueue: row.callQueue,
    maxQueueSize: row.maxQueueSize,
    queueMusic: row.queueMusic,
    conferenceEnabled: row.conferenceEnabled,
    voicemailEnabled: row.voicemailEnabled,
    callForwarding: row.callForwarding,
  }
}

const secondUnscheduled = () =>
  conflict(
    'this number already has an active configuration without a schedule; deactivate it or give this one a schedule',
  )

async function saving<T>(write: Promise<T>): Promise<T> {
  try {
    return await write
  } catch (err) {
    // The partial unique index number_configurations_one_unscheduled_active is the only unique
    // constraint a configuration write can break.
    if (isUniqueViolation(err)) throw secondUnscheduled()
    throw err
  }
}

export async function listConfigurations(prisma: PrismaClient, principal: Principal, numberId: string) {
  await getNumber(prisma, principal, numberId)
  return prisma.numberConfiguration.findMany({ where: { numberId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
}

export async function getConfiguration(prisma: PrismaClient, principal: Principal, numberId: string, configId: string) {
  return (await findConfiguration(prisma, principal, numberId, configId)).row
}

async function findConfiguration(prisma: PrismaClient, principal: Principal, numberId: string, configId: string, mode: AccessMode = 'read') {
  const number = await getNumber(prisma, principal, numberId, mode)
  const row = await prisma.numberConfiguration.findFirst({ where: { id: configId, numberId } })
  if (row === null) throw notFound('configuration')
  return { row, phoneNumber: number.phoneNumber }
}

export async function createConfiguration(
  prisma: PrismaClient,
  principal: Principal,
  numberId: string,
  input: ConfigurationInput,
): Promise<SavedConfiguration> {
  const number = await getNumber(prisma, principal, numberId, 'write')
  const { value, warnings } = validated(input)
  const row = await saving(prisma.numberConfiguration.create({ data: { numberId, ...columns(value) } }))
  return { row, warnings, phoneNumber: number.phoneNumber }
}

export async function updateConfiguration(
  prisma: PrismaClient,
  principal: Principal,
  numberId: string,
  configId: string,
  patch: ConfigurationInput,
): Promise<SavedConfiguration> {
  const { row: current, phoneNumber } = await findConfiguration(prisma, principal, numberId, configId, 'write')
  const { value, warnings } = validated({ ...asInput(current), ...patch })
  // Guarded by updatedAt: a concurrent edit between our read and this write must not be
  // silently overwritten by a merge computed from the older row.
  const result = await saving(
    prisma.numberConfiguration.updateMany({ where: { id: configId, updatedAt: current.updatedAt }, data: columns(value) }),
  )
  if (result.count === 0) throw conflict('the configuration was changed by someone else meanwhile; read it again and retry')
  const row = await prisma.numberConfiguration.findUniqueOrThrow({ where: { id: configId } })
  return { row, previous: current, warnings, phoneNumber }
}

/** Deletes the configuration; returns the number whose routing changed. */
export async function deleteConfiguration(
  prisma: PrismaClient,
  principal: Principal,
  numberId: string,
  configId: string,
): Promise<{ row: NumberConfiguration; phoneNumber: string }> {
  const found = await findConfiguration(prisma, principal, numberId, configId, 'write')
  await prisma.numberConfiguration.deleteMany({ where: { id: configId, numberId } })
  return found
}
