import { z } from 'zod'

/**
 * The seed's BillingAddress: where invoices are addressed. Shared by billing accounts, orders
 * (the purchase's billingAddress) and invoices, so all three accept and show the same shape.
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

// Codes ISO 3166-1 reserves for private use or that name no country (ZZ "Unknown Region",
// EU, UN, ...). Intl.DisplayNames knows names for some of them, so they are refused by hand.
const NOT_COUNTRIES = /^(AA|Q[M-Z]|X[A-JL-Z]|ZZ|EU|EZ|UN)$/

/** Whether `code` is an assigned ISO 3166-1 alpha-2 country code (Kosovo's XK included). */
export function isIsoCountry(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.test(code)) return false
  // Unknown codes come back unchanged.
  return regionNames.of(code) !== code
}

const line = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)

export const billingAddressSchema = z.strictObject({
  firstName: line(100),
  lastName: line(100),
  company: line(200).optional(),
  addressLine1: line(200),
  addressLine2: line(200).optional(),
  city: line(100),
  state: line(100).describe('State, province or region'),
  postalCode: line(20),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isIsoCountry, 'must be an ISO 3166-1 alpha-2 country code such as US'),
})

export type BillingAddress = z.infer<typeof billingAddressSchema>

/**
 * A stored billing_address column as an address, or null when there is none yet. The column
 * is required JSON: accounts opened by the ingest pipeline (src/ingest/usage-writer.ts) hold
 * `{}` until their owner gives an address, and so does anything that fails the schema.
 */
export function storedBillingAddress(json: unknown): BillingAddress | null {
  if (json === null || typeof json !== 'object' || Object.keys(json).length === 0) return null
  const parsed = billingAddressSchema.safeParse(json)
  return parsed.success ? parsed.data : null
}
