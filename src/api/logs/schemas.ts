import { z } from 'zod'
import type { CallLog, SmsLog } from '../../generated/prisma/client.js'
import { e164Schema } from '../numbers/schemas.js'
import { listParam, paginationQuery, queryInstant } from '../pagination.js'

export const callDirectionSchema = z.enum(['INBOUND', 'OUTBOUND'])
export const callStatusSchema = z.enum(['INITIATED', 'RINGING', 'ANSWERED', 'COMPLETED', 'BUSY', 'FAILED', 'NO_ANSWER', 'CANCELLED'])
export const callQualitySchema = z.enum(['EXCELLENT', 'GOOD', 'FAIR', 'POOR', 'BAD'])
export const smsDirectionSchema = z.enum(['INBOUND', 'OUTBOUND'])
export const smsStatusSchema = z.enum(['QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'UNDELIVERED'])

/** Filters both log lists share. The date range is inclusive, as in the numbers list. */
const commonLogFilters = {
  numberId: z.string().min(1).optional(),
  from: e164Schema.optional().describe('Exact caller / sender number (E.164)'),
  to: e164Schema.optional().describe('Exact called / recipient number (E.164)'),
  dateFrom: queryInstant.optional().describe('Created at or after this instant'),
  dateTo: queryInstant.optional().describe('Created at or before this instant'),
  search: z.string().trim().min(1).max(100).optional(),
  userId: z.string().min(1).optional().describe("Owner's user id; meaningful for administrators and support (a user only ever sees their own)"),
}

/** dateTo must not be before dateFrom (reported on dateTo, as the numbers list does). */
export function dateRangeInOrder(q: { dateFrom?: Date; dateTo?: Date }, ctx: z.RefinementCtx) {
  if (q.dateFrom !== undefined && q.dateTo !== undefined && q.dateTo < q.dateFrom) {
    ctx.addIssue({ code: 'custom', path: ['dateTo'], message: 'must not be before dateFrom' })
  }
}

export const callLogListQuerySchema = z
  .strictObject({
  ...paginationQuery(['createdAt', 'duration'], 'createdAt'),
  ...commonLogFilters,
  direction: callDirectionSchema.optional(),
  status: listParam(callStatusSchema).describe('One or more statuses, repeated or comma-separated'),
  search: commonLogFilters.search.describe('Case-insensitive substring of the from / to number or the call SID'),
  })
  .superRefine(dateRangeInOrder)

export type CallLogListQuery = z.infer<typeof callLogListQuerySchema>

export const smsLogListQuerySchema = z
  .strictObject({
  ...paginationQuery(['createdAt'], 'createdAt'),
  ...commonLogFilters,
  direction: smsDirectionSchema.optional(),
  status: listParam(smsStatusSchema).describe('One or more statuses, repeated or comma-separated'),
  search: commonLogFilters.search.describe('Case-insensitive substring of the from / to number, the body or the message SID'),
  })
  .superRefine(dateRangeInOrder)

export type SmsLogListQuery = z.infer<typeof smsLogListQuerySchema>

export const callLogSchema = z.object({
  id: z.string(),
  userId: z.string(),
  numberId: z.string().nullable(),
  twilioCallSid: z.string(),
  twilioAccountSid: z.string(),
  fromNumber: z.string(),
  toNumber: z.string(),
  direction: callDirectionSchema,
  status: callStatusSchema,
  answerTime: z.iso.datetime().nullable(),
  endTime: z.iso.datetime().nullable(),
  duration: z.number().int().nullable().describe('Seconds'),
  billableDuration: z.number().int().nullable().describe('Seconds'),
  quality: callQualitySchema.nullable(),
  recordingUrl: z.string().nullable(),
  recordingSid: z.string().nullable(),
  transcription: z.string().nullable(),
  price: z.string().nullable(),
  priceUnit: z.string().nullable(),
  currency: z.string(),
  fromCity: z.string().nullable(),
  fromState: z.string().nullable(),
  fromCountry: z.string().nullable(),
  toCity: z.string().nullable(),
  toState: z.string().nullable(),
  toCountry: z.string().nullable(),
  userAgent: z.string().nullable(),
  callReason: z.string().nullable(),
  tags: z.array(z.string()),
  createdAt: z.iso.datetime(),
})

export type CallLogView = z.infer<typeof callLogSchema>

export const smsLogSchema = z.object({
  id: z.string(),
  numberId: z.string(),
  twilioMessageSid: z.string(),
  twilioAccountSid: z.string(),
  fromNumber: z.string(),
  toNumber: z.string(),
  direction: smsDirectionSchema,
  body: z.string(),
  mediaUrls: z.array(z.string()),
  status: smsStatusSchema,
  sentAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  price: z.string().nullable(),
  currency: z.string(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  createdAt: z.iso.datetime(),
})

export type SmsLogView = z.infer<typeof smsLogSchema>

const iso = (d: Date | null) => d?.toISOString() ?? null

/** The API's view of a call log: every column, decimals as strings, instants as ISO strings. */
export function toCallLogView(c: CallLog): CallLogView {
  return {
    id: c.id,
    userId: c.userId,
    numberId: c.numberId,
    twilioCallSid: c.twilioCallSid,
    twilioAccountSid: c.twilioAccountSid,
    fromNumber: c.fromNumber,
    toNumber: c.toNumber,
    direction: c.direction,
    status: c.status,
    answerTime: iso(c.answerTime),
    endTime: iso(c.endTime),
    duration: c.duration,
    billableDuration: c.billableDuration,
    quality: c.quality,
    recordingUrl: c.recordingUrl,
    recordingSid: c.recordingSid,
    transcription: c.transcription,
    price: c.price?.toString() ?? null,
    priceUnit: c.priceUnit,
    currency: c.currency,
    fromCity: c.fromCity,
    fromState: c.fromState,
    fromCountry: c.fromCountry,
    toCity: c.toCity,
    toState: c.toState,
    toCountry: c.toCountry,
    userAgent: c.userAgent,
    callReason: c.callReason,
    tags: c.tags,
    createdAt: c.createdAt.toISOString(),
  }
}

/** The API's view of an SMS log: every column, decimals as strings, instants as ISO strings. */
export function toSmsLogView(s: SmsLog): SmsLogView {
  return {
    id: s.id,
    numberId: s.numberId,
    twilioMessageSid: s.twilioMessageSid,
    twilioAccountSid: s.twilioAccountSid,
    fromNumber: s.fromNumber,
    toNumber: s.toNumber,
    direction: s.direction,
    body: s.body,
    mediaUrls: s.mediaUrls,
    status: s.status,
    sentAt: iso(s.sentAt),
    deliveredAt: iso(s.deliveredAt),
    price: s.price?.toString() ?? null,
    currency: s.currency,
    errorCode: s.errorCode,
    errorMessage: s.errorMessage,
    createdAt: s.createdAt.toISOString(),
  }
}

/** CSV columns, in order: the JSON view's fields, arrays joined with `;`. */
export const callLogCsvColumns = Object.keys(callLogSchema.shape) as (keyof CallLogView)[]
export const smsLogCsvColumns = Object.keys(smsLogSchema.shape) as (keyof SmsLogView)[]
