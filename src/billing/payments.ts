import { AppError, conflict } from '../errors.js'
import { Prisma, type InvoiceStatus, type PaymentStatus } from '../generated/prisma/client.js'

/**
 * The payment and refund state machine, as pure functions: amounts in, the next state out, or
 * an AppError saying why the step is refused. No clock (the instant is an argument), no I/O;
 * src/billing/payment-recording.ts applies the results inside one transaction.
 *
 * Invoice: SENT | VIEWED | OVERDUE --pay part--> PARTIAL_PAYMENT --pay the rest--> PAID
 *          (amountPaid += amount; amountDue = total − amountPaid; paidDate set when PAID)
 *          a refund moves amountPaid back: PAID → PARTIAL_PAYMENT, or SENT / OVERDUE (past its
 *          due date) when nothing paid remains.
 * Payment: SUCCEEDED --refund part--> PARTIAL_REFUND --refund the rest--> REFUNDED
 *          (the refunded total never exceeds the amount paid).
 */

const { Decimal } = Prisma
type Decimal = Prisma.Decimal

const ZERO = new Decimal(0)

/** Invoice states a payment may be applied to: issued and not settled. */
export const PAYABLE_INVOICE_STATUSES: readonly InvoiceStatus[] = ['SENT', 'VIEWED', 'PARTIAL_PAYMENT', 'OVERDUE']

/** Invoice states whose status follows what is paid; CANCELLED, REFUNDED and DRAFT keep theirs. */
const SETTLING_INVOICE_STATUSES: readonly InvoiceStatus[] = [...PAYABLE_INVOICE_STATUSES, 'PAID']

export interface InvoiceMoney {
  status: InvoiceStatus
  totalAmount: Decimal
  amountPaid: Decimal
  dueDate: Date
  paidDate: Date | null
}

export interface InvoiceChange {
  status: InvoiceStatus
  amountPaid: Decimal
  amountDue: Decimal
  paidDate: Date | null
}

const amountError = (message: string) => new AppError('VALIDATION_FAILED', `amount: ${message}`, [{ path: 'amount', message }])

function money(d: Decimal): string {
  return d.toFixed(4)
}

function positive(amount: Decimal): void {
  if (!amount.isFinite() || amount.lte(ZERO)) throw amountError('must be greater than 0')
}

/** An invoice's status for what is paid of it: PAID, PARTIAL_PAYMENT, or SENT / OVERDUE when nothing is. */
export function invoiceStatusFor(total: Decimal, paid: Decimal, dueDate: Date, now: Date): InvoiceStatus {
  if (paid.gte(total)) return 'PAID'
  if (paid.gt(ZERO)) return 'PARTIAL_PAYMENT'
  return dueDate.getTime() < now.getTime() ? 'OVERDUE' : 'SENT'
}

/** The invoice after a payment of `amount`; refuses an invoice not open for payment (409) and more than is due (400). */
export function invoiceAfterPayment(invoice: InvoiceMoney, amount: Decimal, now: Date): InvoiceChange {
  positive(amount)
  if (!PAYABLE_INVOICE_STATUSES.includes(invoice.status)) {
    const why =
      invoice.status === 'DRAFT' ? 'it has not been issued yet'
      : invoice.status === 'PAID' ? 'it is already paid'
      : `it is ${invoice.status}`
    throw conflict(`the invoice cannot take a payment: ${why}`)
  }
  const due = invoice.totalAmount.minus(invoice.amountPaid)
  if (amount.gt(due)) throw amountError(`${money(amount)} is more than the amount due (${money(due)})`)
  const amountPaid = invoice.amountPaid.plus(amount)
  const amountDue = invoice.totalAmount.minus(amountPaid)
  const status: InvoiceStatus = amountDue.lte(ZERO) ? 'PAID' : 'PARTIAL_PAYMENT'
  return { status, amountPaid, amountDue, paidDate: status === 'PAID' ? now : null }
}

/**
 * The invoice after `amount` of one of its payments is refunded: what it owes comes back.
 * A CANCELLED, REFUNDED or DRAFT invoice keeps its status; its amounts still move.
 */
export function invoiceAfterRefund(invoice: InvoiceMoney, amount: Decimal, now: Date): InvoiceChange {
  positive(amount)
  if (amount.gt(invoice.amountPaid)) {
    throw conflict(`the invoice records ${money(invoice.amountPaid)} paid, less than the refund of ${money(amount)}`)
  }
  const amountPaid = invoice.amountPaid.minus(amount)
  const amountDue = invoice.totalAmount.minus(amountPaid)
  if (!SETTLING_INVOICE_STATUSES.includes(invoice.status)) {
    return { status: invoice.status, amountPaid, amountDue, paidDate: invoice.paidDate }
  }
  const status = invoiceStatusFor(invoice.totalAmount, amountPaid, invoice.dueDate, now)
  return { status, amountPaid, amountDue, paidDate: status === 'PAID' ? invoice.paidDate : null }
}

export interface PaymentRefundState {
  status: PaymentStatus
  amount: Decimal
  /** Refunded so far. */
  refundedAmount: Decimal
}

/** A payment after refunding `amount` of it; refuses a payment that holds no refundable money (409) and more than remains (400). */
export function paymentAfterRefund(payment: PaymentRefundState, amount: Decimal): { status: PaymentStatus; refundedAmount: Decimal } {
  positive(amount)
  if (payment.status !== 'SUCCEEDED' && payment.status !== 'PARTIAL_REFUND') {
    throw conflict(`a ${payment.status} payment cannot be refunded`)
  }
  const refundable = payment.amount.minus(payment.refundedAmount)
  if (amount.gt(refundable)) {
    throw amountError(`${money(amount)} is more than the refundable ${money(refundable)} of this payment`)
  }
  const refundedAmount = payment.refundedAmount.plus(amount)
  return { status: refundedAmount.gte(payment.amount) ? 'REFUNDED' : 'PARTIAL_REFUND', refundedAmount }
}

export interface OrderMoney {
  totalAmount: Decimal
  /** Sum of the order's succeeded charges, before refunds. */
  paid: Decimal
  /** Sum refunded of those charges. */
  refunded: Decimal
}

/** What of an order is still to pay. */
export function orderAmountDue(order: OrderMoney): Decimal {
  const due = order.totalAmount.minus(order.paid.minus(order.refunded))
  return due.lt(ZERO) ? ZERO : due
}

/** Refuses a payment of an order above what it still owes (400). */
export function checkOrderPayment(order: OrderMoney, amount: Decimal): void {
  positive(amount)
  const due = orderAmountDue(order)
  if (amount.gt(due)) throw amountError(`${money(amount)} is more than the amount due (${money(due)})`)
}

/**
 * An order's paymentStatus (orders have no amountPaid column: it follows from their payments).
 * SUCCEEDED when fully paid; REFUNDED or PARTIAL_REFUND once money went back; PENDING while
 * (part of) it is unpaid; FAILED when nothing is paid and the last attempt failed.
 */
export function orderPaymentStatus(order: OrderMoney, lastAttemptFailed = false): PaymentStatus {
  const net = order.paid.minus(order.refunded)
  if (net.gte(order.totalAmount) && order.paid.gt(ZERO)) return 'SUCCEEDED'
  if (order.refunded.gt(ZERO)) return net.lte(ZERO) ? 'REFUNDED' : 'PARTIAL_REFUND'
  if (order.paid.gt(ZERO)) return 'PENDING'
  return lastAttemptFailed ? 'FAILED' : 'PENDING'
}
