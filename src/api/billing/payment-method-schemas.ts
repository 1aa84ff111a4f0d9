import { z } from 'zod'
import type { PaymentMethod } from '../../generated/prisma/client.js'

export const paymentProcessorSchema = z.enum(['STRIPE', 'PAYPAL', 'BANK_TRANSFER', 'CREDIT'])
export const paymentMethodTypeSchema = z.enum(['CARD', 'BANK_ACCOUNT', 'DIGITAL_WALLET'])
const accountTypeSchema = z.enum(['checking', 'savings'])

/**
 * A run of 13 to 19 digits, spaces and dashes aside, is a card number (a PAN). did-edge never
 * stores one, nor echoes it back: any text field holding one is refused, whatever its name.
 */
export function looksLikeCardNumber(text: string): boolean {
  return /(?:\d[ -]?){12,18}\d/.test(text)
}

const NO_CARD_NUMBERS = 'must not hold a card number: did-edge keeps only the last 4 digits'

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !looksLikeCardNumber(v), NO_CARD_NUMBERS)

const last4Schema = z.string().regex(/^\d{4}$/, 'must be exactly the last 4 digits of the card')
const expiryMonthSchema = z.number().int().min(1, 'must be a month, 1 to 12').max(12, 'must be a month, 1 to 12')
const expiryYearSchema = z.number().int().min(2000, 'must be a four-digit year').max(2100, 'must be a four-digit year')

export const createPaymentMethodBodySchema = z
  .strictObject({
    processor: paymentProcessorSchema,
    type: paymentMethodTypeSchema,
    externalId: text(200).optional().describe("The processor's id of the method (pm_…); generated for methods kept by hand"),
    last4: last4Schema.optional().describe('Required for cards'),
    brand: text(50).optional().describe('visa, mastercard, …'),
    expiryMonth: expiryMonthSchema.optional().describe('Required for cards, with expiryYear; not in the past'),
    expiryYear: expiryYearSchema.optional(),
    bankName: text(100).optional(),
    accountType: accountTypeSchema.optional(),
    isDefault: z.boolean().optional().describe("Make it the account's default; an account's first method always is"),
    userId: z.string().min(1).optional().describe("Whose account; administrators may add to another user's"),
  })
  .superRefine((body, ctx) => {
    if (body.type !== 'CARD') return
    for (const field of ['last4', 'expiryMonth', 'expiryYear'] as const) {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required for a card' })
    }
  })

export type CreatePaymentMethodInput = z.infer<typeof createPaymentMethodBodySchema>

export const updatePaymentMethodBodySchema = z
  .strictObject({
    isDefault: z.boolean().describe("true makes it the account's default (the previous default is unset)"),
    brand: text(50).nullable(),
    expiryMonth: expiryMonthSchema,
    expiryYear: expiryYearSchema,
    bankName: text(100).nullable(),
    accountType: accountTypeSchema.nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')

export type UpdatePaymentMethodInput = z.infer<typeof updatePaymentMethodBodySchema>

export const listPaymentMethodsQuerySchema = z.strictObject({
  userId: z.string().min(1).optional().describe("Whose methods; administrators and support may name another user's"),
})

export const paymentMethodSchema = z.object({
  id: z.string(),
  billingAccountId: z.string(),
  processor: paymentProcessorSchema,
  type: paymentMethodTypeSchema,
  externalId: z.string(),
  last4: z.string().nullable(),
  brand: z.string().nullable(),
  expiryMonth: z.number().int().nullable(),
  expiryYear: z.number().int().nullable(),
  bankName: z.string().nullable(),
  accountType: z.string().nullable(),
  isDefault: z.boolean(),
  isVerified: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type PaymentMethodView = z.infer<typeof paymentMethodSchema>

export function toPaymentMethodView(m: PaymentMethod): PaymentMethodView {
  return {
    id: m.id,
    billingAccountId: m.billingAccountId,
    processor: m.processor,
    type: m.type,
    externalId: m.externalId,
    last4: m.last4,
    brand: m.brand,
    expiryMonth: m.expiryMonth,
    expiryYear: m.expiryYear,
    bankName: m.bankName,
    accountType: m.accountType,
    isDefault: m.isDefault,
    isVerified: m.isVerified,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  }
}
