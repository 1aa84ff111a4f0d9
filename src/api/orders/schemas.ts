import { z } from 'zod'
import type { OrderItem } from '../../generated/prisma/client.js'
import { type OrderWithItems, sortedItems } from '../../purchases/items.js'
import { paginationQuery } from '../pagination.js'

export const orderStatusSchema = z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'CANCELLED', 'FAILED', 'PARTIAL'])
export const orderItemTypeSchema = z.enum(['PHONE_NUMBER', 'MONTHLY_FEE', 'SETUP_FEE', 'USAGE_FEE', 'DISCOUNT', 'TAX'])

export const orderItemSchema = z.object({
  id: z.string(),
  itemType: orderItemTypeSchema,
  itemId: z.string().nullable().describe('The Number a PHONE_NUMBER, MONTHLY_FEE or SETUP_FEE item delivered'),
  description: z.string(),
  quantity: z.number().int().describe('0 for the items of a number that could not be bought'),
  unitPrice: z.string(),
  totalPrice: z.string().describe('The items add up to the order total; a discount is negative'),
  metadata: z.unknown().nullable(),
  createdAt: z.iso.datetime(),
})

export const orderSchema = z.object({
  id: z.string(),
  orderNumber: z.string(),
  userId: z.string(),
  status: orderStatusSchema,
  subtotalAmount: z.string(),
  taxAmount: z.string(),
  discountAmount: z.string(),
  totalAmount: z.string().describe('subtotalAmount + taxAmount - discountAmount'),
  currency: z.string(),
  paymentStatus: z.string(),
  orderSource: z.string().nullable(),
  promotionCode: z.string().nullable(),
  billingAddress: z.unknown().nullable(),
  processedAt: z.iso.datetime().nullable(),
  completedAt: z.iso.datetime().nullable(),
  cancelledAt: z.iso.datetime().nullable(),
  cancellationReason: z.string().nullable().describe('Why numbers of the order could not be bought'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  items: z.array(orderItemSchema),
})

export type OrderView = z.infer<typeof orderSchema>

const iso = (d: Date | null) => d?.toISOString() ?? null

function toItemView(i: OrderItem): OrderView['items'][number] {
  return {
    id: i.id,
    itemType: i.itemType,
    itemId: i.itemId,
    description: i.description,
    quantity: i.quantity,
    unitPrice: i.unitPrice.toString(),
    totalPrice: i.totalPrice.toString(),
    metadata: i.metadata ?? null,
    createdAt: i.createdAt.toISOString(),
  }
}

/** The API's view of an order: amounts as decimal strings, items in the order they were made. */
export function toOrderView(o: OrderWithItems): OrderView {
  return {
    id: o.id,
    orderNumber: o.orderNumber,
    userId: o.userId,
    status: o.status,
    subtotalAmount: o.subtotalAmount.toString(),
    taxAmount: o.taxAmount.toString(),
    discountAmount: o.discountAmount.toString(),
    totalAmount: o.totalAmount.toString(),
    currency: o.currency,
    paymentStatus: o.paymentStatus,
    orderSource: o.orderSource,
    promotionCode: o.promotionCode,
    billingAddress: o.billingAddress ?? null,
    processedAt: iso(o.processedAt),
    completedAt: iso(o.completedAt),
    cancelledAt: iso(o.cancelledAt),
    cancellationReason: o.cancellationReason,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    items: sortedItems(o.orderItems).map(toItemView),
  }
}

export const listOrdersQuerySchema = z.strictObject({
  ...paginationQuery(['createdAt', 'totalAmount', 'orderNumber'], 'createdAt'),
  status: orderStatusSchema.optional(),
})

export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>
