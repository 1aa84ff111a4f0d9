import { z } from 'zod'
import { refundOf } from '../../billing/refund-ledger.js'
import type { Payment, Prisma } from '../../generated/prisma/client.js'
import { listParam, paginationQuery, queryInstant } from '../pagination.js'
import { looksLikeCardNumber, paymentProcessorSchema } from './payment-method-schemas.js'

export const paymentStatusSchema = z.enum(['PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDED', 'PARTIAL_REFUND'])

/** An amount of money to pay or refund: a decimal string greater than 0, at most 4 decimals. */
export const positiveAmountSchema = z
  .string()
  .trim()
  .regex(/^\d{1,8}(\.\d{1,4})?$/, 'must be a decimal string such as "12.50" (at most 4 decimals)')
  .refine((v) => Number(v) > 0, 'must be greater than 0')

const reference = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !looksLikeCardNumber(v), 'must not hold a card number')

export const createPaymentBodySchema = z
  .strictObject({
    invoiceId: z.string().min(1).optional().describe('The invoice paid (give this or orderId)'),
    orderId: z.string().min(1).optional().describe('The order paid (give this or invoiceId)'),
    amount: positiveAmountSchema.describe('At most what is still due'),
    processor: paymentProcessorSchema.describe('BANK_TRANSFER and CREDIT are recorded by administrators'),
    paymentMethodId: z.string().min(1).optional().describe("One of the paying account's methods, of the same processor"),
    externalId: reference(200).optional().describe("The processor's transaction id, or the bank's reference of a transfer"),
    description: reference(500).optional(),
  })
  .refine((b) => (b.invoiceId === undefined) !== (b.orderId === undefined), {
    message: 'give exactly one of invoiceId and orderId',
    path: ['invoiceId'],
  })

export type CreatePaymentInput = z.infer<typeof createPaymentBodySchema>

export const refundBodySchema = z.strictObject({
  amount: positiveAmountSchema.describe('At most what of the payment is not refunded yet'),
})

export const paymentSortFields = ['createdAt', 'amount', 'processedAt'] as const

export const listPaymentsQuerySchema = z
  .strictObject({
    ...paginationQuery(paymentSortFields, 'createdAt'),
    status: listParam(paymentStatusSchema).describe('One or more statuses (repeated or comma-separated)'),
    processor: listParam(paymentProcessorSchema),
    kind: z.enum(['PAYMENT', 'REFUND']).optional().describe('Payments only, or refunds only'),
    invoiceId: z.string().min(1).optional(),
    orderId: z.string().min(1).optional(),
    dateFrom: queryInstant.optional().describe('Created at or after this instant'),
    dateTo: queryInstant.optional().describe('Created at or before this instant'),
    userId: z.string().min(1).optional().describe("Account owner's id; only callers who read every tenant see others'"),
  })
  .refine((q) => q.dateFrom === undefined || q.dateTo === undefined || q.dateFrom <= q.dateTo, {
    message: 'must not be before dateFrom',
    path: ['dateTo'],
  })

export type ListPaymentsQuery = z.infer<typeof listPaymentsQuerySchema>

export const paymentSchema = z.object({
  id: z.string(),
  kind: z.enum(['PAYMENT', 'REFUND']).describe('A refund is a row of its own, with a negative amount'),
  refundOf: z.string().nullable().describe('For a refund: the payment it gives money back from'),
  billingAccountId: z.string(),
  invoiceId: z.string().nullable(),
  orderId: z.string().nullable(),
  paymentMethodId: z.string().nullable(),
  amount: z.string().describe('Decimal string; negative for a refund'),
  refundedAmount: z.string().nullable().describe('For a payment: how much of it was refunded'),
  currency: z.string(),
  status: paymentStatusSchema,
  processor: paymentProcessorSchema,
  externalId: z.string().nullable(),
  externalStatus: z.string().nullable(),
  description: z.string().nullable(),
  failureReason: z.string().nullable(),
  processorFee: z.string().nullable(),
  processedAt: z.iso.datetime().nullable(),
  failedAt: z.iso.datetime().nullable(),
  refundedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type PaymentView = z.infer<typeof paymentSchema>

export const paymentDetailSchema = paymentSchema.extend({
  refunds: z.array(paymentSchema).describe('The refunds of a payment, oldest first (empty for a refund)'),
})

export function toPaymentView(p: Payment, refunded: Prisma.Decimal | undefined): PaymentView {
  const parent = refundOf(p)
  return {
    id: p.id,
    kind: parent === null ? 'PAYMENT' : 'REFUND',
    refundOf: parent,
    billingAccountId: p.billingAccountId,
    invoiceId: p.invoiceId,
    orderId: p.orderId,
    paymentMethodId: p.paymentMethodId,
    amount: p.amount.toFixed(4),
    refundedAmount: parent === null ? (refunded?.toFixed(4) ?? '0.0000') : null,
    currency: p.currency,
    status: p.status,
    processor: p.processor,
    externalId: p.externalId,
    externalStatus: p.externalStatus,
    description: p.description,
    failureReason: p.failureReason,
    processorFee: p.processorFee?.toFixed(4) ?? null,
    processedAt: p.processedAt?.toISOString() ?? null,
    failedAt: p.failedAt?.toISOString() ?? null,
    refundedAt: p.refundedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}
