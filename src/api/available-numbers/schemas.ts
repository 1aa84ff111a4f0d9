import { z } from 'zod'
import { queryBoolean } from '../pagination.js'

/** GET /available-numbers: Twilio's search filters under the API's names. */
export const searchQuerySchema = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US').default('US'),
  type: z.enum(['local', 'tollFree', 'mobile']).default('local'),
  areaCode: z.string().regex(/^\d{3}$/, 'must be a three-digit area code').optional().describe('US and Canada only'),
  contains: z
    .string()
    .regex(/^[0-9A-Za-z*%+$]{2,16}$/, 'must be 2-16 digits or letters, with * as a wildcard')
    .optional()
    .describe("Twilio's pattern: digits, letters as on a keypad, `*` for any digit"),
  region: z.string().trim().min(1).max(100).optional().describe('State or province, e.g. CA'),
  locality: z.string().trim().min(1).max(100).optional().describe('City'),
  postalCode: z.string().trim().min(1).max(20).optional(),
  sms: queryBoolean.optional().describe('Only numbers that can (true) or cannot (false) receive SMS'),
  voice: queryBoolean.optional().describe('Only numbers that can (true) or cannot (false) receive calls'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
})

export type SearchQuery = z.infer<typeof searchQuerySchema>

export const availableNumberSchema = z.object({
  phoneNumber: z.string(),
  friendlyName: z.string(),
  locality: z.string().nullable(),
  region: z.string().nullable(),
  postalCode: z.string().nullable(),
  isoCountry: z.string(),
  capabilities: z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() }),
  monthlyPrice: z.string().nullable().describe("Twilio's current monthly price for this type of number; null if Twilio lists none"),
  currency: z.string(),
})

export const searchResultSchema = z.object({ data: z.array(availableNumberSchema) })
