import { type AccessMode, actsOnAllTenants } from '../auth/access.js'
import type { Principal } from '../auth/principal.js'
import { forbidden, notFound } from '../errors.js'
import { Prisma, type BillingAccount, type InvoiceStatus, type PrismaClient } from '../generated/prisma/client.js'

type Db = PrismaClient | Prisma.TransactionClient

/**
 * One billing account per user (billing_accounts.user_id is unique), opened the first time
 * anything needs it: the first GET /billing/account, a payment method, a payment, an invoice,
 * or the ingest pipeline's first billed call (which opens it with `billing_address = {}`).
 *
 * Race-safe in and out of a transaction: two first requests at once both insert with
 * ON CONFLICT DO NOTHING (Prisma's createMany skipDuplicates), the loser's insert waits for
 * the winner's and does nothing, and both read the one row. A plain create that caught the
 * unique violation would abort the caller's transaction instead.
 */
export async function ensureBillingAccount(db: Db, userId: string): Promise<BillingAccount> {
  const existing = await db.billingAccount.findUnique({ where: { userId } })
  if (existing !== null) return existing
  // `{}` is "no address yet" (see storedBillingAddress); currency is the column's default.
  await db.billingAccount.createMany({ data: [{ userId, billingAddress: {} }], skipDuplicates: true })
  return db.billingAccount.findUniqueOrThrow({ where: { userId } })
}

/**
 * Locks a billing account's row until the transaction ends. Everything that must see the
 * account's other rows as they stand (the one default payment method, the balance) takes this
 * lock first, so two such changes to one account run one after the other.
 */
export async function lockBillingAccount(tx: Prisma.TransactionClient, billingAccountId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM billing_accounts WHERE id = ${billingAccountId} FOR UPDATE`
}

/**
 * What `accountBalance` means in did-edge: the money the customer owes, i.e. the sum of
 * `amountDue` over the account's issued, unpaid invoices (these statuses). Never negative;
 * zero when everything issued is paid. DRAFT invoices are not owed yet, CANCELLED and REFUNDED
 * ones no more. Orders are paid when bought and are not part of it.
 */
export const OWED_INVOICE_STATUSES: InvoiceStatus[] = ['SENT', 'VIEWED', 'PARTIAL_PAYMENT', 'OVERDUE']

/**
 * Recomputes `accountBalance` from the invoices, inside the transaction that changed them
 * (a payment, a refund, an invoice issued or cancelled). Recomputing rather than adding and
 * subtracting keeps the balance right whatever path changed an invoice. The account row is
 * locked before the sum is read: under READ COMMITTED the sum then sees every committed change
 * of a concurrent transaction that held the lock before us.
 */
export async function refreshAccountBalance(tx: Prisma.TransactionClient, billingAccountId: string): Promise<Prisma.Decimal> {
  await lockBillingAccount(tx, billingAccountId)
  const { _sum } = await tx.invoice.aggregate({
    where: { billingAccountId, status: { in: OWED_INVOICE_STATUSES } },
    _sum: { amountDue: true },
  })
  const balance = _sum.amountDue ?? new Prisma.Decimal(0)
  await tx.billingAccount.update({ where: { id: billingAccountId }, data: { accountBalance: balance } })
  return balance
}

/**
 * Whose billing account a request is about: the caller's own, or (administrators; support for
 * reads) the user named by `userId`. A customer naming someone else is refused (403), as list
 * filters by user are elsewhere; a named user who does not exist is 404.
 */
export async function billingAccountOwner(db: Db, principal: Principal, userId: string | undefined, mode: AccessMode): Promise<string> {
  if (userId === undefined || userId === principal.user.id) return principal.user.id
  if (!actsOnAllTenants(principal, mode)) {
    throw forbidden(mode === 'read' ? "only administrators and support read another user's billing" : "only administrators change another user's billing")
  }
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true } })
  if (user === null) throw notFound('user')
  return user.id
}
