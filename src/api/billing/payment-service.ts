import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { refundedAmounts, refundsOf } from '../../billing/refund-ledger.js'
import { notFound } from '../../errors.js'
import type { Payment, Prisma, PrismaClient } from '../../generated/prisma/client.js'
import { pageWindow } from '../pagination.js'
import type { ListPaymentsQuery } from './payment-schemas.js'

/** Payments have no owner column: a payment belongs to the owner of its billing account. */
function tenancy(principal: Principal, userId: string | undefined): Prisma.PaymentWhereInput {
  const owned = ownedRows(principal, 'read')
  const where: Prisma.PaymentWhereInput = owned.userId === undefined ? {} : { billingAccount: { userId: owned.userId } }
  // A filter never widens tenancy: a customer naming another user gets the intersection, nothing.
  if (userId !== undefined) where.AND = [{ billingAccount: { userId } }]
  return where
}

export function paymentListWhere(principal: Principal, query: ListPaymentsQuery): Prisma.PaymentWhereInput {
  const where = tenancy(principal, query.userId)
  if (query.status !== undefined) where.status = { in: query.status }
  if (query.processor !== undefined) where.processor = { in: query.processor }
  if (query.kind !== undefined) where.amount = query.kind === 'PAYMENT' ? { gt: 0 } : { lt: 0 }
  if (query.invoiceId !== undefined) where.invoiceId = query.invoiceId
  if (query.orderId !== undefined) where.orderId = query.orderId
  if (query.dateFrom !== undefined || query.dateTo !== undefined) where.createdAt = { gte: query.dateFrom, lte: query.dateTo }
  return where
}

export interface PaymentRows {
  rows: Payment[]
  refunded: Map<string, Prisma.Decimal>
  total: number
}

/** One page of the payments and refunds the principal may read, and how many match in all. */
export async function listPayments(prisma: PrismaClient, principal: Principal, query: ListPaymentsQuery): Promise<PaymentRows> {
  const where = paymentListWhere(principal, query)
  const { sortBy, sortOrder } = query
  const primary = sortBy === 'processedAt' ? { processedAt: { sort: sortOrder, nulls: 'last' as const } } : { [sortBy]: sortOrder }
  const [rows, total] = await Promise.all([
    prisma.payment.findMany({ where, orderBy: [primary, { id: sortOrder }], ...pageWindow(query) }),
    prisma.payment.count({ where }),
  ])
  return { rows, refunded: await refundedAmounts(prisma, rows), total }
}

/** A payment (or refund) the principal may read, with its refunds, or NOT_FOUND. */
export async function getPayment(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
): Promise<{ payment: Payment; refunds: Payment[]; refunded: Map<string, Prisma.Decimal> }> {
  const payment = await prisma.payment.findFirst({ where: { id, ...tenancy(principal, undefined) } })
  if (payment === null) throw notFound('payment')
  const refunds = payment.amount.gt(0) ? await refundsOf(prisma, payment) : []
  return { payment, refunds, refunded: await refundedAmounts(prisma, [payment]) }
}
