import { z } from 'zod'
import { configurationJson } from '../../config-cache/load-number.js'
import type { NumberConfiguration } from '../../generated/prisma/client.js'

/**
 * The fields of a configuration as the API takes them. Only their JSON types are checked
 * here; what they mean (time zones, windows, patterns, destinations, ...) is checked by the
 * routing engine's own validation, which names the exact path of each problem.
 */
const configurationFields = {
  name: z.string().trim().min(1, 'must not be empty').max(200),
  isActive: z.boolean(),
  scheduleEnabled: z.boolean(),
  schedule: z.unknown().describe('Schedule: { timezone?, rules: [{ dayOfWeek, timeFrom, timeTo }], holidays?, overrides? }'),
  timezone: z.string().nullable().describe('IANA time zone'),
  routingRules: z.unknown().describe('RoutingRules: { defaultAction, timeBasedRules, geographicRules, callerIdRules, failoverRules }'),
  fallbackRules: z.unknown(),
  recordCalls: z.boolean(),
  callScreening: z.boolean(),
  callQueue: z.boolean(),
  maxQueueSize: z.number().int().nullable(),
  queueMusic: z.string().nullable(),
  conferenceEnabled: z.boolean(),
  voicemailEnabled: z.boolean(),
  callForwarding: z.unknown().describe('{ destination, timeout? }'),
}

export const createConfigurationBodySchema = z.strictObject({
  ...configurationFields,
  isActive: configurationFields.isActive.optional(),
  scheduleEnabled: configurationFields.scheduleEnabled.optional(),
  schedule: configurationFields.schedule.optional(),
  timezone: configurationFields.timezone.optional(),
  fallbackRules: configurationFields.fallbackRules.optional(),
  recordCalls: configurationFields.recordCalls.optional(),
  callScreening: configurationFields.callScreening.optional(),
  callQueue: configurationFields.callQueue.optional(),
  maxQueueSize: configurationFields.maxQueueSize.optional(),
  queueMusic: configurationFields.queueMusic.optional(),
  conferenceEnabled: configurationFields.conferenceEnabled.optional(),
  voicemailEnabled: configurationFields.voicemailEnabled.optional(),
  callForwarding: configurationFields.callForwarding.optional(),
})

export const updateConfigurationBodySchema = z.strictObject(configurationFields).partial()

export type ConfigurationInput = z.infer<typeof updateConfigurationBodySchema>

export const configurationParamsSchema = z.object({ id: z.string().min(1), configId: z.string().min(1) })

export const warningSchema = z.object({ path: z.string(), code: z.string(), message: z.string() })

export const configurationSchema = z.object({
  id: z.string(),
  numberId: z.string(),
  ...configurationFields,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

/** A saved configuration with the lint warnings its content raised (they never block saving). */
export const configurationWithWarningsSchema = configurationSchema.extend({ warnings: z.array(warningSchema) })

export type ConfigurationView = z.infer<typeof configurationSchema>

export function toConfigurationView(c: NumberConfiguration): ConfigurationView {
  return { ...configurationJson(c), numberId: c.numberId }
}
