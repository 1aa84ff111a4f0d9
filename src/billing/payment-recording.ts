import { actsOnAllTenants, ownedRows } from '../auth/access.js'
import type { Principal } from '../auth/principal.js'
import { AppError, conflict, forbidden, notFound, validationFailed } from '../errors.js'
import { recordDomainEvent } from '../events/domain-events.js'
import {
  type Invoice,
  type Order,
  type Payment,
  type PaymentMethod,
  type PaymentProcessor as ProcessorKind,
  Prisma,
  type PrismaClient,
} from '../generated/prisma/client.js'
import { createNotification } from '../notifications/notify.js'
import { ensureBillingAccount, refreshAccountBalance } from './accounts.js'
import { type PaymentProcessorRegistry, processorFor } from './payment-processor.js'
import { checkOrderPayment, invoiceAfterPayment, invoiceAfterRefund, orderPaymentStatus, paymentAfterRefund } from './payments.js'
import { lockPaymentRow, refundDescription, refundedAmountOf, SETTLED_CHARGE_STATUSES } from './refund-ledger.js'

/**
 * Recording payments and refunds, and applying them to what they pay, each in one
 * transaction: the Payment row, the invoice's amountPaid / amountDue / status / paidDate (or the
 * order's paymentStatus), the account balance, the domain events (outbox) and the
 * notification are written together or not at all. The arithmetic is src/billing/payments.ts.
 */

type Tx = Prisma.TransactionClient

/**
 * The processor is called inside the transaction (after the rows are locked and the amount
 * checked, before anything is written): a remote processor needs more than Prisma's default
 * five seconds.
 */
const PROCESSOR_TRANSACTION = { maxWait: 10_000, timeout: 30_000 }

export interface PaymentDeps {
  prisma: PrismaClient
  processors: PaymentProcessorRegistry
}

export interface RecordPaymentInput {
  invoiceId?: string
  orderId?: string
  /** Decimal string, > 0. */
  amount: string
  processor: ProcessorKind
  paymentMethodId?: string
  /** The processor's transaction id or the bank's reference of a transfer already received. */
  externalId?: string
  description?: string
}

type Target = { kind: 'invoice'; invoice: Invoice } | { kind: 'order'; order: Order }

async function lockInvoice(tx: Tx, id: string): Promise<Invoice> {
  await tx.$queryRaw`SELECT id FROM invoices WHERE id = ${id} FOR UPDATE`
  return tx.invoice.findUniqueOrThrow({ where: { id } })
}

async function lockOrder(tx: Tx, id: string): Promise<Order> {
  await tx.$queryRaw`SELECT id FROM orders WHERE id = ${id} FOR UPDATE`
  return tx.order.findUniqueOrThrow({ where: { id } })
}

/** What an order's payments add up to: charged (before refunds) and refunded. */
async function orderMoney(tx: Tx, order: Order) {
  const [charged, refunded] = await Promise.all([
    tx.payment.aggregate({ where: { orderId: order.id, amount: { gt: 0 }, status: { in: SETTLED_CHARGE_STATUSES } }, _sum: { amount: true } }),
    tx.payment.aggregate({ where: { orderId: order.id, amount: { lt: 0 } }, _sum: { amount: true } }),
  ])
  return {
    totalAmount: order.totalAmount,
    paid: charged._sum.amount ?? new Prisma.Decimal(0),
    refunded: (refunded._sum.amount ?? new Prisma.Decimal(0)).negated(),
  }
}

/** The invoice or order a payment is for, within what the principal may change, or 404. */
async function findTarget(prisma: PrismaClient, principal: Principal, input: RecordPaymentInput): Promise<{ target: Target; userId: string }> {
  const owned = ownedRows(principal, 'write')
  if (input.invoiceId !== undefined) {
    const invoice = await prisma.invoice.findFirst({
      where: { id: input.invoiceId, ...(owned.userId !== undefined && { billingAccount: { userId: owned.userId } }) },
      include: { billingAccount: { select: { userId: true } } },
    })
    if (invoice === null) throw notFound('invoice')
    const { billingAccount, ...row } = invoice
    return { target: { kind: 'invoice', invoice: row }, userId: billingAccount.userId }
  }
  const order = await prisma.order.findFirst({ where: { id: input.orderId, ...owned } })
  if (order === null) throw notFound('order')
  return { target: { kind: 'order', order }, userId: order.userId }
}

/** Events and a notification for the account's owner, in the payment's transaction. */
async function announcePayment(tx: Tx, userId: string, payment: Payment, invoice: Invoice | null): Promise<void> {
  const amount = payment.amount.toFixed(4)
  const data = {
    paymentId: payment.id,
    billingAccountId: payment.billingAccountId,
    invoiceId: payment.invoiceId,
    orderId: payment.orderId,
    amount,
    currency: payment.currency,
    processor: payment.processor,
    status: payment.status,
  }
  const what = invoice !== null ? `invoice ${invoice.invoiceNumber}` : 'your order'
  if (payment.status === 'SUCCEEDED') {
    let queued = await recordDomainEvent(tx, { userId, event: 'PAYMENT_SUCCEEDED', data, occurredAt: payment.processedAt ?? undefined })
    if (invoice !== null && invoice.status === 'PAID') {
      queued += await recordDomainEvent(tx, {
        userId,
        event: 'INVOICE_PAID',
        data: {
          invoiceId: invoice.id,
          invoiceNumber: invoice.invoiceNumber,
          billingAccountId: invoice.billingAccountId,
          totalAmount: invoice.totalAmount.toFixed(4),
          amountPaid: invoice.amountPaid.toFixed(4),
          currency: invoice.currency,
          paidDate: invoice.paidDate?.toISOString() ?? null,
        },
        occurredAt: invoice.paidDate ?? undefined,
      })
    }
    await createNotification(tx, {
      userId,
      type: 'BILLING',
      title: invoice?.status === 'PAID' ? `Invoice ${invoice.invoiceNumber} paid` : 'Payment received',
      message: `We received ${amount} ${payment.currency} for ${what}.`,
      category: 'payment',
      channels: queued > 0 ? ['IN_APP', 'WEBHOOK'] : ['IN_APP'],
      metadata: { paymentId: payment.id, invoiceId: payment.invoiceId, orderId: payment.orderId },
    })
  } else if (payment.status === 'FAILED') {
    const queued = await recordDomainEvent(tx, { userId, event: 'PAYMENT_FAILED', data: { ...data, failureReason: payment.failureReason } })
    await createNotification(tx, {
      userId,
      type: 'BILLING',
      title: 'Payment failed',
      message: `A payment of ${amount} ${payment.currency} for ${what} failed${payment.failureReason ? `: ${payment.failureReason}` : '.'}`,
      priority: 'HIGH',
      category: 'payment',
      channels: queued > 0 ? ['IN_APP', 'WEBHOOK'] : ['IN_APP'],
      metadata: { paymentId: payment.id, invoiceId: payment.invoiceId, orderId: payment.orderId },
    })
  }
}

/**
 * Records a payment of an invoice or an order and applies it. Customers pay only their own
 * invoices and orders, and only through a processor that authorises the charge itself
 * (customerInitiated); money received outside did-edge (a bank transfer, a credit) is recorded
 * by administrators, for any account. The charge runs inside the transaction, after the
 * invoice's row is locked and the amount checked against what is due, so two payments at once
 * cannot pay an invoice twice over. A FAILED charge is recorded (and announced) and changes
 * nothing else; a PENDING one waits for its processor to settle it.
 */
export async function recordPayment(
  deps: PaymentDeps,
  principal: Principal,
  input: RecordPaymentInput,
  now = new Date(),
): Promise<Payment> {
  const { prisma } = deps
  const processor = processorFor(deps.processors, input.processor)
  const amount = new Prisma.Decimal(input.amount)
  const { target, userId } = await findTarget(prisma, principal, input)
  if (!processor.customerInitiated && !actsOnAllTenants(principal, 'write')) {
    throw forbidden(`only administrators record ${input.processor} payments; pay with a card processor instead`)
  }
  // An invoice names its account; an order pays through its owner's (opened if need be).
  const account = { id: target.kind === 'invoice' ? target.invoice.billingAccountId : (await ensureBillingAccount(prisma, userId)).id }
  let method: PaymentMethod | undefined
  if (input.paymentMethodId !== undefined) {
    const found = await prisma.paymentMethod.findFirst({ where: { id: input.paymentMethodId, billingAccountId: account.id, isActive: true } })
    if (found === null) throw notFound('payment method')
    if (found.processor !== input.processor) {
      throw validationFailed(`paymentMethodId: the method belongs to ${found.processor}, not ${input.processor}`, [
        { path: 'paymentMethodId', message: `belongs to processor ${found.processor}` },
      ])
    }
    method = found
  }

  return prisma.$transaction(async (tx) => {
    if (input.externalId !== undefined) {
      // No unique index on (processor, external_id): one reference at a time, then look.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`payment:${input.processor}:${input.externalId}`}))`
      const seen = await tx.payment.findFirst({
        where: { processor: input.processor, externalId: input.externalId, amount: { gt: 0 } },
        select: { id: true },
      })
      if (seen !== null) throw conflict(`a ${input.processor} payment with this externalId is already recorded`, { paymentId: seen.id })
    }

    // Lock, read again, and check before anything is charged.
    let invoice: Invoice | null = null
    let order: Order | null = null
    let invoiceChange: ReturnType<typeof invoiceAfterPayment> | null = null
    if (target.kind === 'invoice') {
      invoice = await lockInvoice(tx, target.invoice.id)
      invoiceChange = invoiceAfterPayment(invoice, amount, now)
    } else {
      order = await lockOrder(tx, target.order.id)
      if (order.status === 'CANCELLED' || order.status === 'FAILED') throw conflict(`the order cannot take a payment: it is ${order.status}`)
      checkOrderPayment(await orderMoney(tx, order), amount)
    }
    const currency = invoice?.currency ?? order!.currency
    const description = input.description ?? (invoice !== null ? `Invoice ${invoice.invoiceNumber}` : `Order ${order!.orderNumber}`)

    const charge = await processor.charge({
      amount,
      currency,
      paymentMethod: method,
      externalId: input.externalId,
      description,
      metadata: {
        billingAccountId: account.id,
        ...(invoice !== null && { invoiceId: invoice.id }),
        ...(order !== null && { orderId: order.id }),
      },
    })
    const payment = await tx.payment.create({
      data: {
        billingAccountId: account.id,
        invoiceId: invoice?.id ?? null,
        orderId: order?.id ?? null,
        paymentMethodId: method?.id ?? null,
        amount,
        currency,
        status: charge.status,
        processor: input.processor,
        externalId: charge.externalId,
        externalStatus: charge.externalStatus ?? null,
        description,
        failureReason: charge.status === 'FAILED' ? (charge.failureReason ?? 'declined by the processor') : null,
        processorFee: charge.processorFee ?? null,
        processedAt: charge.status === 'SUCCEEDED' ? now : null,
        failedAt: charge.status === 'FAILED' ? now : null,
      },
    })

    if (charge.status === 'SUCCEEDED' && invoice !== null && invoiceChange !== null) {
      invoice = await tx.invoice.update({ where: { id: invoice.id }, data: invoiceChange })
    }
    if (order !== null && charge.status !== 'PENDING') {
      const paymentStatus = orderPaymentStatus(await orderMoney(tx, order), charge.status === 'FAILED')
      await tx.order.update({ where: { id: order.id }, data: { paymentStatus } })
    }
    if (charge.status === 'SUCCEEDED') await refreshAccountBalance(tx, account.id)
    await announcePayment(tx, userId, payment, invoice)
    return payment
  }, PROCESSOR_TRANSACTION)
}

/**
 * Refunds `amountText` of a payment (administrators only): the processor pays it back, a
 * refund row (negative amount) joins the ledger, the payment becomes PARTIAL_REFUND or
 * REFUNDED, and the invoice owes the money again (or the order's paymentStatus follows). A
 * refund the rules refuse, or the processor declines, leaves everything as it was.
 */
export async function refundPayment(
  deps: PaymentDeps,
  principal: Principal,
  paymentId: string,
  amountText: string,
  now = new Date(),
): Promise<{ payment: Payment; previous: { status: Payment['status']; refundedAmount: Prisma.Decimal } }> {
  if (!actsOnAllTenants(principal, 'write')) throw forbidden('only administrators refund payments')
  const { prisma } = deps
  const amount = new Prisma.Decimal(amountText)
  return prisma.$transaction(async (tx) => {
    // Two refunds of one payment at once: the second waits here and then sees the first's row.
    const payment = await lockPaymentRow(tx, paymentId)
    if (payment === null) throw notFound('payment')
    if (payment.amount.lt(0)) throw conflict('this is a refund; refund the payment it belongs to')
    const refundedAmount = await refundedAmountOf(tx, payment)
    const next = paymentAfterRefund({ ...payment, refundedAmount }, amount)

    let invoice: Invoice | null = null
    let invoiceChange: ReturnType<typeof invoiceAfterRefund> | null = null
    if (payment.invoiceId !== null) {
      invoice = await lockInvoice(tx, payment.invoiceId)
      invoiceChange = invoiceAfterRefund(invoice, amount, now)
    }
    const order = payment.orderId !== null ? await lockOrder(tx, payment.orderId) : null

    const result = await processorFor(deps.processors, payment.processor).refund({
      payment,
      amount,
      metadata: { paymentId: payment.id, billingAccountId: payment.billingAccountId },
    })
    if (result.status === 'FAILED') {
      throw new AppError('UPSTREAM_ERROR', `the ${payment.processor} processor declined the refund: ${result.failureReason ?? 'no reason given'}`)
    }
    await tx.payment.create({
      data: {
        billingAccountId: payment.billingAccountId,
        invoiceId: payment.invoiceId,
        orderId: payment.orderId,
        paymentMethodId: payment.paymentMethodId,
        amount: amount.negated(),
        currency: payment.currency,
        // A refund the processor has accepted but not yet paid out is PROCESSING; it counts as refunded.
        status: result.status === 'SUCCEEDED' ? 'REFUNDED' : 'PROCESSING',
        processor: payment.processor,
        externalId: result.externalId,
        externalStatus: result.externalStatus ?? null,
        description: refundDescription(payment.id),
        processedAt: now,
        refundedAt: now,
      },
    })
    const updated = await tx.payment.update({ where: { id: payment.id }, data: { status: next.status, refundedAt: now } })
    if (invoice !== null && invoiceChange !== null) {
      invoice = await tx.invoice.update({ where: { id: invoice.id }, data: invoiceChange })
    }
    if (order !== null) {
      await tx.order.update({ where: { id: order.id }, data: { paymentStatus: orderPaymentStatus(await orderMoney(tx, order)) } })
    }
    await refreshAccountBalance(tx, payment.billingAccountId)
    const account = await tx.billingAccount.findUniqueOrThrow({ where: { id: payment.billingAccountId }, select: { userId: true } })
    await createNotification(tx, {
      userId: account.userId,
      type: 'BILLING',
      title: 'Refund issued',
      message:
        `We refunded ${amount.toFixed(4)} ${payment.currency} of your payment of ${payment.amount.toFixed(4)} ${payment.currency}` +
        (invoice !== null ? ` for invoice ${invoice.invoiceNumber}.` : '.'),
      category: 'refund',
      metadata: { paymentId: payment.id, invoiceId: payment.invoiceId, orderId: payment.orderId },
    })
    return { payment: updated, previous: { status: payment.status, refundedAmount } }
  }, PROCESSOR_TRANSACTION)
}
