import { z } from 'zod'
import type { Discount } from '../../billing/invoices/compute.js'
import type { GenerationResult } from '../../billing/invoices/generate.js'
import type { InvoiceLineItem } from '../../billing/invoices/line-items.js'
import { periodOf } from '../../billing/invoices/period.js'
import type { Invoice } from '../../generated/prisma/client.js'
import { listParam, paginationQuery } from '../pagination.js'
import { billingPeriodSchema } from '../usage/schemas.js'

export const invoiceStatusSchema = z.enum(['DRAFT', 'SENT', 'VIEWED', 'PAID', 'PARTIAL_PAYMENT', 'OVERDUE', 'CANCELLED', 'REFUNDED'])

const positiveAmount = z
  .union([z.number(), z.string().trim()])
  .transform(String)
  .refine((v) => /^\d{1,8}(\.\d{1,4})?$/.test(v) && Number(v) > 0, 'must be an amount above 0 with at most 4 decimals')

const percent = z
  .union([z.number(), z.string().trim()])
  .transform(String)
  .refine((v) => /^\d{1,3}(\.\d{1,4})?$/.test(v) && Number(v) > 0 && Number(v) <= 100, 'must be a percentage above 0 and at most 100')

const discountSchema = z
  .strictObject({
    description: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    amount: positiveAmount.optional().describe("Taken off the subtotal, in the account's currency"),
    percent: percent.optional().describe('Percent of the subtotal (monthly fees and usage)'),
  })
  .refine((d) => (d.amount === undefined) !== (d.percent === undefined), 'give exactly one of amount or percent')
  .transform((d): Discount => (d.amount !== undefined ? { description: d.description, amount: d.amount } : { description: d.description, percent: d.percent! }))

export const generateInvoicesBodySchema = z.strictObject({
  period: billingPeriodSchema.describe('The month to invoice; it must have ended'),
  billingAccountId: z.string().min(1).optional().describe('One account; every billing account when absent'),
  discounts: z
    .array(discountSchema)
    .min(1)
    .max(10)
    .optional()
    .describe('Applied in order, before tax, each limited to what is left of the subtotal; needs billingAccountId'),
})

export type GenerateInvoicesBody = z.infer<typeof generateInvoicesBodySchema>

const usageDetailsSchema = z.object({
  unit: z.string(),
  rate: z.string(),
  quantity: z.string(),
  breakdown: z.array(z.object({ date: z.string(), quantity: z.string(), cost: z.string() })),
})

export const lineItemSchema = z.object({
  id: z.string(),
  description: z.string(),
  quantity: z.string(),
  unitPrice: z.string(),
  totalPrice: z.string().describe('Rounded half away from zero to 4 decimals; discount lines are negative'),
  type: z.enum(['usage', 'subscription', 'one_time', 'tax', 'discount']),
  period: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).optional().describe('[start, end) covered by the line'),
  details: z
    .object({
      resourceId: z.string().optional(),
      resourceType: z.string().optional(),
      usageDetails: usageDetailsSchema.optional(),
      proration: z.object({ activeDays: z.number().int(), daysInMonth: z.number().int() }).optional(),
    })
    .optional(),
})

export const invoiceSchema = z.object({
  id: z.string(),
  invoiceNumber: z.string().describe('INV-YYYY-NNNNNN, sequential per year of issue'),
  billingAccountId: z.string(),
  period: z.string().describe('The billing period, YYYY-MM'),
  status: invoiceStatusSchema,
  currency: z.string(),
  subtotalAmount: z.string(),
  taxAmount: z.string(),
  discountAmount: z.string(),
  totalAmount: z.string().describe('subtotalAmount + taxAmount - discountAmount, never below 0'),
  amountPaid: z.string(),
  amountDue: z.string(),
  issueDate: z.iso.datetime(),
  dueDate: z.iso.datetime(),
  paidDate: z.iso.datetime().nullable(),
  periodStart: z.iso.datetime(),
  periodEnd: z.iso.datetime().describe('Exclusive: the first instant of the next month'),
  lineItems: z.array(lineItemSchema),
  notes: z.string().nullable(),
  paymentTerms: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type InvoiceView = z.infer<typeof invoiceSchema>

export function toInvoiceView(i: Invoice): InvoiceView {
  return {
    id: i.id,
    invoiceNumber: i.invoiceNumber,
    billingAccountId: i.billingAccountId,
    period: periodOf(i.periodStart).key,
    status: i.status,
    currency: i.currency,
    subtotalAmount: i.subtotalAmount.toFixed(),
    taxAmount: i.taxAmount.toFixed(),
    discountAmount: i.discountAmount.toFixed(),
    totalAmount: i.totalAmount.toFixed(),
    amountPaid: i.amountPaid.toFixed(),
    amountDue: i.amountDue.toFixed(),
    issueDate: i.issueDate.toISOString(),
    dueDate: i.dueDate.toISOString(),
    paidDate: i.paidDate?.toISOString() ?? null,
    periodStart: i.periodStart.toISOString(),
    periodEnd: i.periodEnd.toISOString(),
    lineItems: (Array.isArray(i.lineItems) ? i.lineItems : []) as unknown as InvoiceLineItem[],
    notes: i.notes,
    paymentTerms: i.paymentTerms,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  }
}

export const generationResultSchema = z.object({
  period: z.string(),
  created: z.array(invoiceSchema).describe('Invoices issued (DRAFT -> SENT) by this call'),
  skipped: z
    .array(
      z.object({
        billingAccountId: z.string(),
        reason: z.enum(['ALREADY_INVOICED', 'NOTHING_TO_BILL', 'MIXED_CURRENCIES']),
        message: z.string(),
        invoiceId: z.string().optional(),
        invoiceNumber: z.string().optional(),
      }),
    )
    .describe('Accounts not invoiced, and why: already invoiced for the period (the existing invoice named), no number and no usage, ...'),
  failed: z.array(z.object({ billingAccountId: z.string(), message: z.string() })).describe('Accounts whose invoice could not be made; run again'),
})

export function toGenerationView(result: GenerationResult): z.infer<typeof generationResultSchema> {
  return { ...result, created: result.created.map(toInvoiceView) }
}

export const invoiceListQuerySchema = z.strictObject({
  ...paginationQuery(['issueDate', 'dueDate', 'totalAmount', 'invoiceNumber'], 'issueDate'),
  status: listParam(invoiceStatusSchema).describe('One or more statuses, repeated or comma-separated'),
  period: billingPeriodSchema.optional().describe('Invoices of this billing period (YYYY-MM)'),
  billingAccountId: z.string().min(1).optional().describe("One account's invoices (administrators and support; others only see their own)"),
})
