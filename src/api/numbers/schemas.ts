import { z } from 'zod'
import type { Number as NumberRow } from '../../generated/prisma/client.js'
import { billingAddressSchema } from '../../billing/billing-address.js'
import { configurationSchema } from '../configurations/schemas.js'

export const numberTypeSchema = z.enum(['LOCAL', 'TOLL_FREE', 'MOBILE', 'INTERNATIONAL', 'PREMIUM', 'SHARED_COST'])
export const capabilitySchema = z.enum(['VOICE', 'SMS', 'MMS', 'FAX'])
export const numberStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'RELEASED', 'PENDING', 'CONFIGURING', 'ERROR'])
export const httpMethodSchema = z.enum(['GET', 'POST'])

/** Money travels as a decimal string ("1.15"); a JSON number is accepted on input. */
export const moneySchema = z
  .union([z.number(), z.string().trim()])
  .transform(String)
  .refine((v) => /^\d{1,8}(\.\d{1,4})?$/.test(v), 'must be a non-negative amount with at most 4 decimals')

export const e164Schema = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number such as +14155550123')

export const idParamsSchema = z.object({ id: z.string().min(1) })

const tagSchema = z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters')

/** A number's tags: each trimmed, at most 50, none repeated. */
const tagsSchema = z
  .array(tagSchema)
  .max(50, 'at most 50 tags')
  .refine((tags) => new Set(tags).size === tags.length, 'must not repeat a tag')

const notesSchema = z.string().max(2000, 'must be at most 2000 characters')

export const createNumberBodySchema = z.strictObject({
  phoneNumber: e164Schema,
  twilioSid: z.string().regex(/^PN[0-9a-fA-F]{32}$/, 'must be a Twilio phone-number SID (PN followed by 32 hex characters)'),
  twilioAccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex characters)'),
  countryCode: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US'),
  numberType: numberTypeSchema,
  capabilities: z.array(capabilitySchema).min(1, 'at least one capability').refine((c) => new Set(c).size === c.length, 'must not repeat'),
  monthlyPrice: moneySchema.optional().describe("Administrators only. Absent: Twilio's list price for the number's country and type"),
  setupPrice: moneySchema.optional().describe("Administrators only. Absent: did-edge's setup fee for the type"),
  friendlyName: z.string().trim().min(1).max(200).optional(),
  region: z.string().trim().min(1).max(100).optional(),
  locality: z.string().trim().min(1).max(100).optional(),
  areaCode: z.string().regex(/^\d{1,6}$/, 'must be digits').optional(),
  tags: tagsSchema.optional(),
  notes: notesSchema.optional(),
  userId: z.string().min(1).optional().describe('Owner; defaults to the caller. Only administrators may set another user.'),
})

export type CreateNumberInput = z.infer<typeof createNumberBodySchema>

export const numberSchema = z.object({
  id: z.string(),
  phoneNumber: z.string(),
  friendlyName: z.string().nullable(),
  countryCode: z.string(),
  region: z.string().nullable(),
  locality: z.string().nullable(),
  postalCode: z.string().nullable(),
  areaCode: z.string().nullable(),
  numberType: numberTypeSchema,
  capabilities: z.array(capabilitySchema),
  twilioSid: z.string(),
  twilioAccountSid: z.string(),
  monthlyPrice: z.string(),
  setupPrice: z.string().nullable(),
  currency: z.string(),
  voiceUrl: z.string().nullable(),
  voiceMethod: httpMethodSchema.nullable(),
  voiceFallbackUrl: z.string().nullable(),
  voiceFallbackMethod: httpMethodSchema.nullable(),
  statusCallback: z.string().nullable(),
  statusCallbackMethod: httpMethodSchema.nullable(),
  voiceCallerIdLookup: z.boolean(),
  smsUrl: z.string().nullable(),
  smsMethod: httpMethodSchema.nullable(),
  smsFallbackUrl: z.string().nullable(),
  smsFallbackMethod: httpMethodSchema.nullable(),
  status: numberStatusSchema,
  purchasedAt: z.iso.datetime(),
  releasedAt: z.iso.datetime().nullable(),
  userId: z.string(),
  orderId: z.string().nullable(),
  totalCalls: z.number().int(),
  totalSms: z.number().int(),
  lastUsedAt: z.iso.datetime().nullable(),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type NumberView = z.infer<typeof numberSchema>

/** POST /numbers answers the number and what registration could not check. */
export const numberRegistrationSchema = numberSchema.extend({
  ownershipVerified: z
    .boolean()
    .describe('True when Twilio confirmed that the configured account owns `twilioSid` as `phoneNumber`; false without Twilio (development)'),
  warnings: z.array(z.string()).describe('What was not verified or not priced, in words (empty when everything was)'),
})

/** The API's view of a number row: decimals as strings, instants as ISO strings. */
export function toNumberView(n: NumberRow): NumberView {
  return {
    id: n.id,
    phoneNumber: n.phoneNumber,
    friendlyName: n.friendlyName,
    countryCode: n.countryCode,
    region: n.region,
    locality: n.locality,
    postalCode: n.postalCode,
    areaCode: n.areaCode,
    numberType: n.numberType,
    capabilities: n.capabilities,
    twilioSid: n.twilioSid,
    twilioAccountSid: n.twilioAccountSid,
    monthlyPrice: n.monthlyPrice.toString(),
    setupPrice: n.setupPrice?.toString() ?? null,
    currency: n.currency,
    voiceUrl: n.voiceUrl,
    voiceMethod: n.voiceMethod,
    voiceFallbackUrl: n.voiceFallbackUrl,
    voiceFallbackMethod: n.voiceFallbackMethod,
    statusCallback: n.statusCallback,
    statusCallbackMethod: n.statusCallbackMethod,
    voiceCallerIdLookup: n.voiceCallerIdLookup,
    smsUrl: n.smsUrl,
    smsMethod: n.smsMethod,
    smsFallbackUrl: n.smsFallbackUrl,
    smsFallbackMethod: n.smsFallbackMethod,
    status: n.status,
    purchasedAt: n.purchasedAt.toISOString(),
    releasedAt: n.releasedAt?.toISOString() ?? null,
    userId: n.userId,
    orderId: n.orderId,
    totalCalls: n.totalCalls,
    totalSms: n.totalSms,
    lastUsedAt: n.lastUsedAt?.toISOString() ?? null,
    tags: n.tags,
    notes: n.notes,
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  }
}

/** A webhook URL Twilio will call: http or https only (no javascript:, ftp:, ...). */
const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2000, 'must be at most 2000 characters')
  .nullable()

/** The fields of a number its owner may change; the rest come from Twilio or billing. */
export const updateNumberBodySchema = z
  .strictObject({
    friendlyName: z.string().trim().min(1, 'must not be empty').max(200).nullable(),
    tags: tagsSchema.describe('Replaces the whole list'),
    notes: notesSchema.nullable(),
    voiceUrl: webhookUrlSchema,
    voiceMethod: httpMethodSchema,
    voiceFallbackUrl: webhookUrlSchema,
    voiceFallbackMethod: httpMethodSchema,
    statusCallback: webhookUrlSchema,
    statusCallbackMethod: httpMethodSchema,
    smsUrl: webhookUrlSchema,
    smsMethod: httpMethodSchema,
    smsFallbackUrl: webhookUrlSchema,
    smsFallbackMethod: httpMethodSchema,
    voiceCallerIdLookup: z.boolean(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')

export type UpdateNumberInput = z.infer<typeof updateNumberBodySchema>

export const numberDetailSchema = numberSchema.extend({
  configurations: z
    .array(configurationSchema)
    .optional()
    .describe('Oldest first; present when the caller holds read:config'),
  _count: z.object({ callLogs: z.number().int(), smsLogs: z.number().int() }),
})

export type NumberDetailView = z.infer<typeof numberDetailSchema>

/** POST /numbers/purchase. */
export const purchaseBodySchema = z.strictObject({
  phoneNumbers: z
    .array(e164Schema)
    .min(1, 'give at least one number')
    .max(10, 'at most 10 numbers per order')
    .refine((n) => new Set(n).size === n.length, 'must not repeat a number')
    .describe('E.164 numbers found with GET /available-numbers'),
  friendlyName: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional()
    .describe("Every bought number's name; Twilio's formatted number when absent"),
  promotionCode: z.string().trim().min(1, 'must not be empty').max(50).optional(),
  billingAddress: billingAddressSchema.optional(),
})

export type PurchaseInput = z.infer<typeof purchaseBodySchema>

/** The purchase's Idempotency-Key: the same key (per user) returns the same order and buys nothing twice. */
export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string({ error: 'the Idempotency-Key header is required' })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters'),
})
