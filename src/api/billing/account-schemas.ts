import { z } from 'zod'
import { billingAddressSchema, storedBillingAddress } from '../../billing/billing-address.js'
import type { BillingAccount, PaymentMethod } from '../../generated/prisma/client.js'
import { paymentMethodSchema, toPaymentMethodView } from './payment-method-schemas.js'

export const billingCycleSchema = z.enum(['MONTHLY', 'QUARTERLY', 'ANNUALLY'])

export const accountQuerySchema = z.strictObject({
  userId: z.string().min(1).optional().describe("Whose account; administrators and support may name another user's"),
})

const optionalText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).nullable()

export const updateAccountBodySchema = z
  .strictObject({
    billingAddress: billingAddressSchema.describe('The whole address (it replaces the stored one)'),
    company: optionalText(200),
    taxId: optionalText(50),
    vatNumber: optionalText(50),
    autoPayEnabled: z.boolean().describe('Needs a default payment method'),
    billingCycle: billingCycleSchema,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')

export type UpdateAccountInput = z.infer<typeof updateAccountBodySchema>

export const billingAccountSchema = z.object({
  id: z.string(),
  userId: z.string(),
  company: z.string().nullable(),
  taxId: z.string().nullable(),
  vatNumber: z.string().nullable(),
  billingAddress: billingAddressSchema.nullable().describe('null until one is given'),
  accountBalance: z
    .string()
    .describe('What the customer owes: the amount due of issued, unpaid invoices (SENT, VIEWED, PARTIAL_PAYMENT, OVERDUE)'),
  creditLimit: z.string().nullable(),
  currency: z.string(),
  autoPayEnabled: z.boolean(),
  defaultPaymentMethodId: z.string().nullable(),
  defaultPaymentMethod: paymentMethodSchema.nullable(),
  isActive: z.boolean(),
  isSuspended: z.boolean(),
  suspensionReason: z.string().nullable(),
  billingCycle: billingCycleSchema,
  nextBillingDate: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type BillingAccountView = z.infer<typeof billingAccountSchema>

export function toBillingAccountView(a: BillingAccount, defaultMethod: PaymentMethod | null): BillingAccountView {
  return {
    id: a.id,
    userId: a.userId,
    company: a.company,
    taxId: a.taxId,
    vatNumber: a.vatNumber,
    billingAddress: storedBillingAddress(a.billingAddress),
    accountBalance: a.accountBalance.toFixed(4),
    creditLimit: a.creditLimit?.toFixed(4) ?? null,
    currency: a.currency,
    autoPayEnabled: a.autoPayEnabled,
    defaultPaymentMethodId: a.defaultPaymentMethod,
    defaultPaymentMethod: defaultMethod === null ? null : toPaymentMethodView(defaultMethod),
    isActive: a.isActive,
    isSuspended: a.isSuspended,
    suspensionReason: a.suspensionReason,
    billingCycle: a.billingCycle,
    nextBillingDate: a.nextBillingDate?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  }
}
