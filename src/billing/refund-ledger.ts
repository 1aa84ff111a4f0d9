import { type Payment, type PaymentStatus, Prisma, type PrismaClient } from '../generated/prisma/client.js'

/**
 * How refunds are kept. The Payment model has `refundedAt` but no refunded-amount column and no
 * link from a refund to its payment, and the schema is not this module's to change. So each
 * refund is a row of its own in `payments`, a ledger entry:
 *
 *   amount      the refund, NEGATIVE (a payment row is always > 0), so the sum of an account's
 *               settled rows is the money it has net paid;
 *   status      REFUNDED (PROCESSING while the processor has yet to pay it out);
 *   description "Refund of payment <id>": the link to the refunded payment.
 *
 * A payment's refunded amount is the sum of its refund rows. Every reader goes through this
 * file, so a later migration (a refunded_amount column, a refund_of foreign key) changes only
 * this file.
 */

type Db = PrismaClient | Prisma.TransactionClient

/** Statuses of a charge whose money was received (part of it may have gone back). */
export const SETTLED_CHARGE_STATUSES: PaymentStatus[] = ['SUCCEEDED', 'PARTIAL_REFUND', 'REFUNDED']

const PREFIX = 'Refund of payment '

export function refundDescription(paymentId: string): string {
  return `${PREFIX}${paymentId}`
}

/** Whether a payments row is a refund (and of which payment), or a payment (null). */
export function refundOf(row: Pick<Payment, 'amount' | 'description'>): string | null {
  if (!row.amount.lt(0) || row.description === null || !row.description.startsWith(PREFIX)) return null
  return row.description.slice(PREFIX.length)
}

function refundRowsOf(payment: Pick<Payment, 'id' | 'billingAccountId'>): Prisma.PaymentWhereInput {
  return { billingAccountId: payment.billingAccountId, amount: { lt: 0 }, description: refundDescription(payment.id) }
}

/** Locks a payment's row until the transaction ends and reads it; null when there is none. */
export async function lockPaymentRow(tx: Prisma.TransactionClient, id: string): Promise<Payment | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM payments WHERE id = ${id} FOR UPDATE`
  if (locked.length === 0) return null
  return tx.payment.findUniqueOrThrow({ where: { id } })
}

/** How much of a payment was refunded so far. */
export async function refundedAmountOf(db: Db, payment: Pick<Payment, 'id' | 'billingAccountId'>): Promise<Prisma.Decimal> {
  const { _sum } = await db.payment.aggregate({ where: refundRowsOf(payment), _sum: { amount: true } })
  return (_sum.amount ?? new Prisma.Decimal(0)).negated()
}

/** A payment's refunds, oldest first. */
export function refundsOf(db: Db, payment: Pick<Payment, 'id' | 'billingAccountId'>): Promise<Payment[]> {
  return db.payment.findMany({ where: refundRowsOf(payment), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
}

/** The refunded amount of each payment among `payments` (refund rows get none). */
export async function refundedAmounts(db: Db, payments: Payment[]): Promise<Map<string, Prisma.Decimal>> {
  const charges = payments.filter((p) => p.amount.gt(0))
  const result = new Map(charges.map((p) => [p.id, new Prisma.Decimal(0)]))
  if (charges.length === 0) return result
  const groups = await db.payment.groupBy({
    by: ['description'],
    where: { amount: { lt: 0 }, description: { in: charges.map((p) => refundDescription(p.id)) } },
    _sum: { amount: true },
  })
  for (const group of groups) {
    const id = group.description?.slice(PREFIX.length)
    if (id !== undefined && result.has(id)) result.set(id, (group._sum.amount ?? new Prisma.Decimal(0)).negated())
  }
  return result
}
