import { z } from 'zod'
import type { UsageRecord } from '../../generated/prisma/client.js'
import { dateRangeInOrder } from '../logs/schemas.js'
import { listParam, paginationQuery, queryInstant } from '../pagination.js'

export const usageTypeSchema = z.enum(['VOICE_MINUTES', 'SMS_MESSAGE', 'MMS_MESSAGE', 'PHONE_NUMBER', 'RECORDING_STORAGE', 'TRANSCRIPTION'])

export const billingPeriodSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a billing period such as 2026-11 (YYYY-MM)')

const userIdFilter = z
  .string()
  .min(1)
  .optional()
  .describe("One user's usage; meaningful for administrators and support (a user only ever sees their own)")

export const usageListQuerySchema = z
  .strictObject({
  ...paginationQuery(['usageDate', 'totalCost'], 'usageDate'),
  type: listParam(usageTypeSchema).describe('One or more usage types, repeated or comma-separated'),
  period: billingPeriodSchema.optional(),
  numberId: z
    .string()
    .min(1)
    .optional()
    .describe("Usage of one number: its calls' minutes and messages (metadata.numberId) and its own fees (resourceId)"),
  dateFrom: queryInstant.optional().describe('Usage dated at or after this instant'),
  dateTo: queryInstant.optional().describe('Usage dated at or before this instant'),
  userId: userIdFilter,
  })
  .superRefine(dateRangeInOrder)

export type UsageListQuery = z.infer<typeof usageListQuerySchema>

export const usageSummaryQuerySchema = z.strictObject({
  period: billingPeriodSchema,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .optional()
    .describe('Only records in this currency; needed when the records of the period span several'),
  userId: userIdFilter,
})

export type UsageSummaryQuery = z.infer<typeof usageSummaryQuerySchema>

export const usageRecordSchema = z.object({
  id: z.string(),
  billingAccountId: z.string(),
  recordType: usageTypeSchema,
  resourceId: z.string().nullable().describe('What was used: a call or message SID, or a number id for number fees'),
  quantity: z.string(),
  unit: z.string(),
  unitPrice: z.string(),
  totalCost: z.string(),
  currency: z.string(),
  usageDate: z.iso.datetime(),
  billingPeriod: z.string(),
  description: z.string().nullable(),
  metadata: z.unknown(),
  createdAt: z.iso.datetime(),
})

export type UsageRecordView = z.infer<typeof usageRecordSchema>

export function toUsageRecordView(r: UsageRecord): UsageRecordView {
  return {
    id: r.id,
    billingAccountId: r.billingAccountId,
    recordType: r.recordType,
    resourceId: r.resourceId,
    quantity: r.quantity.toString(),
    unit: r.unit,
    unitPrice: r.unitPrice.toString(),
    totalCost: r.totalCost.toString(),
    currency: r.currency,
    usageDate: r.usageDate.toISOString(),
    billingPeriod: r.billingPeriod,
    description: r.description,
    metadata: r.metadata,
    createdAt: r.createdAt.toISOString(),
  }
}

export const usageSummarySchema = z.object({
  period: z.string(),
  currency: z.string(),
  byType: z.array(
    z.object({
      type: usageTypeSchema,
      quantity: z.string().describe('Sum of the quantities (minutes, segments, numbers, ...)'),
      cost: z.string(),
      records: z.number().int(),
    }),
  ),
  totalCost: z.string(),
})

export type UsageSummary = z.infer<typeof usageSummarySchema>
