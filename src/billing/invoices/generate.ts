// Monthly invoice generation: one invoice per billing account and period, however many times
// and from however many processes it runs (the API, the CLI, a scheduler).
//
// Each account is invoiced in two transactions:
//   1. create: under a transaction-scoped advisory lock on (account, period), look for the
//      account's invoice of the period; if there is none, compute it from the account's numbers
//      and usage, number it (numbering.ts) and insert it as DRAFT. A second generator for the
//      same account waits on the lock, then finds the invoice: never two. (The Invoice model
//      has no unique key on (account, period). One would have to be partial, WHERE status <>
//      'CANCELLED', so that a cancelled invoice's period can be re-issued: hand-written
//      migration SQL. Every generator goes through this function, so the lock gives the same
//      guarantee without a migration; a unique index would also stop hand-made inserts.)
//   2. send: DRAFT -> SENT, with the INVOICE_CREATED webhook deliveries and the customer's
//      BILLING notification (and its mail) in the same transaction. The transition is a
//      conditional update, so the event is recorded exactly once. A run that died between 1
//      and 2 left a DRAFT; the next run sends it.
// A CANCELLED invoice does not count: generating again re-issues the period (with a new number).
import { AppError, notFound, validationFailed } from '../../errors.js'
import type { BillingAccount, Invoice, PrismaClient } from '../../generated/prisma/client.js'
import { Prisma } from '../../generated/prisma/client.js'
import { recordDomainEvent } from '../../events/domain-events.js'
import { refreshAccountBalance } from '../accounts.js'
import { createNotification } from '../../notifications/notify.js'
import { type BillableNumber, type BillableUsage, computeInvoice, type Discount, decimalString, isEmptyInvoice, prepaidUntil } from './compute.js'
import { nextInvoiceNumber } from './numbering.js'
import { type BillingPeriod, billingPeriod, DAY_MS, isClosed, periodLabel, PERIOD_PATTERN } from './period.js'

type Tx = Prisma.TransactionClient

export interface BillingSettings {
  /** "0.0825" = 8.25 %. */
  taxRate: string
  paymentTermsDays: number
}

export interface GenerateInvoicesInput {
  /** "YYYY-MM", a month that has ended. */
  period: string
  /** One account; every billing account when absent. */
  billingAccountId?: string
  /** Only with billingAccountId: a discount meant for one customer must not reach all of them. */
  discounts?: Discount[]
  billing: BillingSettings
  /** The issue date; defaults to the current time. */
  now?: Date
}

export type SkipReason = 'ALREADY_INVOICED' | 'NOTHING_TO_BILL' | 'MIXED_CURRENCIES'

export interface SkippedAccount {
  billingAccountId: string
  reason: SkipReason
  message: string
  /** The existing invoice (ALREADY_INVOICED). */
  invoiceId?: string
  invoiceNumber?: string
}

export interface FailedAccount {
  billingAccountId: string
  message: string
}

export interface GenerationResult {
  period: string
  created: Invoice[]
  skipped: SkippedAccount[]
  failed: FailedAccount[]
}

// Generation of one account waits for another generator of the same account, and numbering
// for every other generator of the year: allow for a queue, not for Prisma's 2 s / 5 s defaults.
const TX_OPTIONS = { maxWait: 30_000, timeout: 120_000 }

/** Checks a period given by a client: well-formed and over at `now`. Throws VALIDATION_FAILED naming `period`. */
export function closedPeriod(key: string, now: Date): BillingPeriod {
  if (!PERIOD_PATTERN.test(key)) {
    throw validationFailed('period: must be a billing period such as 2026-11 (YYYY-MM)', [{ path: 'period', message: 'must be YYYY-MM' }])
  }
  const period = billingPeriod(key)
  if (!isClosed(period, now)) {
    const message = `${key} has not ended yet: only past months can be invoiced`
    throw validationFailed(`period: ${message}`, [{ path: 'period', message }])
  }
  return period
}

export async function generateInvoices(prisma: PrismaClient, input: GenerateInvoicesInput): Promise<GenerationResult> {
  const now = input.now ?? new Date()
  const period = closedPeriod(input.period, now)
  if (input.discounts?.length && input.billingAccountId === undefined) {
    throw validationFailed('discounts: give billingAccountId to discount one account', [
      { path: 'discounts', message: 'needs billingAccountId' },
    ])
  }

  let accounts: BillingAccount[]
  if (input.billingAccountId !== undefined) {
    const account = await prisma.billingAccount.findUnique({ where: { id: input.billingAccountId } })
    if (account === null) throw notFound('billing account')
    accounts = [account]
  } else {
    // Oldest accounts first, so a run numbers its invoices in a stable order.
    accounts = await prisma.billingAccount.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
  }

  const result: GenerationResult = { period: period.key, created: [], skipped: [], failed: [] }
  for (const account of accounts) {
    try {
      const outcome = await invoiceAccount(prisma, account, period, input, now)
      if ('skipped' in outcome) result.skipped.push(outcome.skipped)
      else result.created.push(outcome.invoice)
    } catch (err) {
      // One account's failure must not stop the others' invoices; a single-account request
      // reports its error as the answer.
      if (input.billingAccountId !== undefined || err instanceof AppError) throw err
      result.failed.push({ billingAccountId: account.id, message: err instanceof Error ? err.message : String(err) })
    }
  }
  return result
}

type AccountOutcome = { invoice: Invoice } | { skipped: SkippedAccount }

async function invoiceAccount(
  prisma: PrismaClient,
  account: BillingAccount,
  period: BillingPeriod,
  input: GenerateInvoicesInput,
  now: Date,
): Promise<AccountOutcome> {
  const created = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('did-edge:invoice'), hashtext(${`${account.id}:${period.key}`}))`
    const existing = await tx.invoice.findFirst({
      where: { billingAccountId: account.id, periodStart: period.start, status: { not: 'CANCELLED' } },
      orderBy: { createdAt: 'desc' },
    })
    if (existing !== null) return { existing }
    return createDraft(tx, account, period, input, now)
  }, TX_OPTIONS)

  if ('skipped' in created) return created
  const invoice = 'existing' in created ? created.existing : created.draft
  // A DRAFT found here was left by a run that stopped before sending it, or is being sent by a
  // run going on now: whichever sends it first reports it created, the other one skipped.
  if (invoice.status === 'DRAFT') {
    const sent = await sendInvoice(prisma, invoice, account, period)
    if (sent !== null) return { invoice: sent }
  }
  return {
    skipped: {
      billingAccountId: account.id,
      reason: 'ALREADY_INVOICED',
      message: `${period.key} is already invoiced: ${invoice.invoiceNumber}`,
      invoiceId: invoice.id,
      invoiceNumber: invoice.invoiceNumber,
    },
  }
}

/** Per-day usage totals of the period, by type, unit price and currency: the invoice needs no more detail than that. */
async function usageOfPeriod(tx: Tx, billingAccountId: string, period: BillingPeriod) {
  const rows = await tx.$queryRaw<Array<{ recordType: string; unit: string; unitPrice: string; currency: string; day: string; quantity: string; totalCost: string }>>`
    SELECT record_type::text AS "recordType", unit, unit_price::text AS "unitPrice", currency,
           to_char(usage_date, 'YYYY-MM-DD') AS day, sum(quantity)::text AS quantity, sum(total_cost)::text AS "totalCost"
    FROM usage_records
    WHERE billing_account_id = ${billingAccountId} AND billing_period = ${period.key}
    GROUP BY 1, 2, 3, 4, 5`
  return rows.map((r) => ({ ...r, usageDate: new Date(`${r.day}T00:00:00Z`) }))
}

async function createDraft(
  tx: Tx,
  account: BillingAccount,
  period: BillingPeriod,
  input: GenerateInvoicesInput,
  now: Date,
): Promise<{ draft: Invoice } | { skipped: SkippedAccount }> {
  // Held at any time in [start, end): bought before the end, not released before the start.
  const numbers = await tx.number.findMany({
    where: {
      userId: account.userId,
      purchasedAt: { lt: period.end },
      OR: [{ releasedAt: null }, { releasedAt: { gte: period.start } }],
    },
    select: { id: true, phoneNumber: true, friendlyName: true, monthlyPrice: true, purchasedAt: true, releasedAt: true, currency: true, orderId: true },
  })
  const usage = await usageOfPeriod(tx, account.id, period)

  const currencies = new Set([...numbers.map((n) => n.currency), ...usage.map((u) => u.currency)])
  currencies.delete(account.currency)
  if (currencies.size > 0) {
    return {
      skipped: {
        billingAccountId: account.id,
        reason: 'MIXED_CURRENCIES',
        message: `the account bills in ${account.currency} but has charges in ${[...currencies].sort().join(', ')}: invoice it by hand`,
      },
    }
  }

  const computation = computeInvoice({
    period,
    numbers: numbers.map((n) => ({ ...n, prepaidUntil: n.orderId === null ? null : prepaidUntil(n.purchasedAt) })) satisfies BillableNumber[],
    usage: usage satisfies BillableUsage[],
    taxRate: input.billing.taxRate,
    discounts: input.discounts,
  })
  if (isEmptyInvoice(computation)) {
    return { skipped: { billingAccountId: account.id, reason: 'NOTHING_TO_BILL', message: `no number held and no usage in ${period.key}` } }
  }

  const invoiceNumber = await nextInvoiceNumber(tx, now)
  const draft = await tx.invoice.create({
    data: {
      invoiceNumber,
      billingAccountId: account.id,
      subtotalAmount: computation.subtotal,
      taxAmount: computation.taxAmount,
      discountAmount: computation.discountAmount,
      totalAmount: computation.totalAmount,
      amountPaid: 0,
      amountDue: computation.totalAmount,
      currency: account.currency,
      issueDate: now,
      dueDate: new Date(now.getTime() + input.billing.paymentTermsDays * DAY_MS),
      status: 'DRAFT',
      periodStart: period.start,
      periodEnd: period.end,
      lineItems: computation.lineItems as unknown as Prisma.InputJsonValue,
      paymentTerms: `Net ${input.billing.paymentTermsDays}`,
    },
  })
  return { draft }
}

/** The INVOICE_CREATED payload and the notification's metadata. */
export function invoiceEventData(invoice: Invoice, period: BillingPeriod): Record<string, unknown> {
  return {
    invoiceId: invoice.id,
    invoiceNumber: invoice.invoiceNumber,
    billingAccountId: invoice.billingAccountId,
    period: period.key,
    status: invoice.status,
    currency: invoice.currency,
    subtotalAmount: decimalString(invoice.subtotalAmount),
    taxAmount: decimalString(invoice.taxAmount),
    discountAmount: decimalString(invoice.discountAmount),
    totalAmount: decimalString(invoice.totalAmount),
    amountDue: decimalString(invoice.amountDue),
    issueDate: invoice.issueDate.toISOString(),
    dueDate: invoice.dueDate.toISOString(),
  }
}

/**
 * DRAFT -> SENT, telling the customer (webhook deliveries, notification) in the same
 * transaction. Null when another run sent it first: that run told the customer.
 */
async function sendInvoice(prisma: PrismaClient, draft: Invoice, account: BillingAccount, period: BillingPeriod): Promise<Invoice | null> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.invoice.updateMany({ where: { id: draft.id, status: 'DRAFT' }, data: { status: 'SENT' } })
    if (count === 0) return null
    // The account's balance is what its issued invoices still ask for: this one now counts.
    await refreshAccountBalance(tx, account.id)
    const invoice = await tx.invoice.findUniqueOrThrow({ where: { id: draft.id } })
    const data = invoiceEventData(invoice, period)
    const queued = await recordDomainEvent(tx, { userId: account.userId, event: 'INVOICE_CREATED', data })
    const due = invoice.dueDate.toISOString().slice(0, 10)
    await createNotification(tx, {
      userId: account.userId,
      type: 'BILLING',
      title: `Invoice ${invoice.invoiceNumber}`,
      message: `Your invoice for ${periodLabel(period)} is ${decimalString(invoice.totalAmount)} ${invoice.currency}, due ${due}.`,
      category: 'invoice',
      channels: queued > 0 ? ['IN_APP', 'EMAIL', 'WEBHOOK'] : ['IN_APP', 'EMAIL'],
      actionUrl: `/api/v1/billing/invoices/${invoice.id}`,
      actionText: 'View invoice',
      metadata: data as Prisma.InputJsonValue,
    })
    return invoice
  }, TX_OPTIONS)
}
