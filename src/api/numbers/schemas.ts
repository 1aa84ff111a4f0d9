import { z } from 'zod'
import type { Number as NumberRow } from '../../generated/prisma/client.js'

export const numberTypeSchema = z.enum(['LOCAL', 'TOLL_FREE', 'MOBILE', 'INTERNATIONAL', 'PREMIUM', 'SHARED_COST'])
export const capabilitySchema = z.enum(['VOICE', 'SMS', 'MMS', 'FAX'])
export const numberStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'RELEASED', 'PENDING', 'CONFIGURING', 'ERROR'])

/** Money travels as a decimal string ("1.15"); a JSON number is accepted on input. */
export const moneySchema = z
  .union([z.number(), z.string().trim()])
  .transform(String)
  .refine((v) => /^\d{1,8}(\.\d{1,4})?$/.test(v), 'must be a non-negative amount with at most 4 decimals')

export const e164Schema = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number such as +14155550123')

export const idParamsSchema = z.object({ id: z.string().min(1) })

export const createNumberBodySchema = z.object({
  phoneNumber: e164Schema,
  twilioSid: z.string().regex(/^PN[0-9a-fA-F]{32}$/, 'must be a Twilio phone-number SID (PN followed by 32 hex characters)'),
  twilioAccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex characters)'),
  countryCode: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US'),
  numberType: numberTypeSchema,
  capabilities: z.array(capabilitySchema).min(1, 'at least one capability').refine((c) => new Set(c).size === c.length, 'must not repeat'),
  monthlyPrice: moneySchema,
  setupPrice: moneySchema.optional(),
  friendlyName: z.string().trim().min(1).max(200).optional(),
  region: z.string().trim().min(1).max(100).optional(),
  locality: z.string().trim().min(1).max(100).optional(),
  areaCode: z.string().regex(/^\d{1,6}$/, 'must be digits').optional(),
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
