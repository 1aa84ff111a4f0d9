import t from 'tap'
import {
  checkOrderPayment,
  type InvoiceMoney,
  invoiceAfterPayment,
  invoiceAfterRefund,
  orderAmountDue,
  orderPaymentStatus,
  paymentAfterRefund,
} from '../../src/billing/payments.js'
import { AppError } from '../../src/errors.js'
import { Prisma, type InvoiceStatus, type PaymentStatus } from '../../src/generated/prisma/client.js'

const d = (v: string) => new Prisma.Decimal(v)
const NOW = new Date('2026-11-15T12:00:00Z')
const DUE_LATER = new Date('2026-12-15T00:00:00Z')
const DUE_PAST = new Date('2026-11-01T00:00:00Z')
const PAID_ON = new Date('2026-11-10T09:00:00Z')

function invoice(status: InvoiceStatus, total: string, paid: string, dueDate = DUE_LATER): InvoiceMoney {
  return { status, totalAmount: d(total), amountPaid: d(paid), dueDate, paidDate: status === 'PAID' ? PAID_ON : null }
}

/** What a refused step throws: its HTTP status and message. */
function refusal(step: () => unknown): { status: number; message: string } | null {
  try {
    step()
    return null
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    return { status: err.statusCode, message: err.message }
  }
}

t.test('a payment moves an invoice to PARTIAL_PAYMENT or PAID, by hand-computed amounts', async (t) => {
  const cases: [string, InvoiceMoney, string, { status: InvoiceStatus; paid: string; due: string; paidDate: Date | null }][] = [
    ['part of a sent invoice', invoice('SENT', '100.0000', '0'), '40', { status: 'PARTIAL_PAYMENT', paid: '40', due: '60', paidDate: null }],
    ['the rest of a partly paid invoice', invoice('PARTIAL_PAYMENT', '100', '40'), '60', { status: 'PAID', paid: '100', due: '0', paidDate: NOW }],
    ['all of a sent invoice at once', invoice('SENT', '100', '0'), '100.0000', { status: 'PAID', paid: '100', due: '0', paidDate: NOW }],
    ['part of an overdue invoice', invoice('OVERDUE', '100', '0', DUE_PAST), '10.5', { status: 'PARTIAL_PAYMENT', paid: '10.5', due: '89.5', paidDate: null }],
    ['the smallest amount of a viewed invoice', invoice('VIEWED', '19.99', '0'), '0.0001', { status: 'PARTIAL_PAYMENT', paid: '0.0001', due: '19.9899', paidDate: null }],
    ['the last ten-thousandth of a sub-cent total', invoice('PARTIAL_PAYMENT', '33.3333', '33.3332'), '0.0001', { status: 'PAID', paid: '33.3333', due: '0', paidDate: NOW }],
    ['three partial payments adding up (second)', invoice('PARTIAL_PAYMENT', '12.6', '4.2'), '4.2', { status: 'PARTIAL_PAYMENT', paid: '8.4', due: '4.2', paidDate: null }],
  ]
  for (const [name, before, amount, expected] of cases) {
    const after = invoiceAfterPayment(before, d(amount), NOW)
    t.equal(after.status, expected.status, `${name}: status`)
    t.ok(after.amountPaid.eq(d(expected.paid)), `${name}: amountPaid ${after.amountPaid} = ${expected.paid}`)
    t.ok(after.amountDue.eq(d(expected.due)), `${name}: amountDue ${after.amountDue} = ${expected.due}`)
    t.equal(after.paidDate, expected.paidDate, `${name}: paidDate`)
  }
})

t.test('a payment is refused above what is due (400) and on an invoice not open for payment (409)', async (t) => {
  const cases: [string, InvoiceMoney, string, number, RegExp][] = [
    ['one ten-thousandth over the amount due', invoice('PARTIAL_PAYMENT', '100', '40'), '60.0001', 400, /^amount: 60\.0001 is more than the amount due \(60\.0000\)/],
    ['over the whole total', invoice('SENT', '100', '0'), '250', 400, /amount due \(100\.0000\)/],
    ['zero', invoice('SENT', '100', '0'), '0', 400, /^amount: must be greater than 0/],
    ['a negative amount', invoice('SENT', '100', '0'), '-5', 400, /greater than 0/],
    ['a draft', invoice('DRAFT', '100', '0'), '10', 409, /not been issued/],
    ['a paid invoice', invoice('PAID', '100', '100'), '10', 409, /already paid/],
    ['a cancelled invoice', invoice('CANCELLED', '100', '0'), '10', 409, /CANCELLED/],
    ['a refunded invoice', invoice('REFUNDED', '100', '0'), '10', 409, /REFUNDED/],
  ]
  for (const [name, before, amount, status, message] of cases) {
    const refused = refusal(() => invoiceAfterPayment(before, d(amount), NOW))
    t.equal(refused?.status, status, `${name}: ${status}`)
    t.match(refused?.message, message, `${name}: says why`)
  }
})

t.test('a refund gives the invoice its debt back: PARTIAL_PAYMENT, SENT, or OVERDUE past its due date', async (t) => {
  const cases: [string, InvoiceMoney, string, { status: InvoiceStatus; paid: string; due: string; paidDate: Date | null }][] = [
    ['part of a paid invoice', invoice('PAID', '100', '100'), '30', { status: 'PARTIAL_PAYMENT', paid: '70', due: '30', paidDate: null }],
    ['all of a paid invoice not yet due', invoice('PAID', '100', '100'), '100', { status: 'SENT', paid: '0', due: '100', paidDate: null }],
    ['all of a paid invoice past its due date', invoice('PAID', '100', '100', DUE_PAST), '100', { status: 'OVERDUE', paid: '0', due: '100', paidDate: null }],
    ['all that was paid of a partly paid invoice', invoice('PARTIAL_PAYMENT', '100', '40'), '40', { status: 'SENT', paid: '0', due: '100', paidDate: null }],
    ['part of a partly paid invoice', invoice('PARTIAL_PAYMENT', '100', '40'), '15.5', { status: 'PARTIAL_PAYMENT', paid: '24.5', due: '75.5', paidDate: null }],
    ['a payment of a cancelled invoice: the status stays', invoice('CANCELLED', '100', '50'), '50', { status: 'CANCELLED', paid: '0', due: '100', paidDate: null }],
  ]
  for (const [name, before, amount, expected] of cases) {
    const after = invoiceAfterRefund(before, d(amount), NOW)
    t.equal(after.status, expected.status, `${name}: status`)
    t.ok(after.amountPaid.eq(d(expected.paid)), `${name}: amountPaid ${after.amountPaid} = ${expected.paid}`)
    t.ok(after.amountDue.eq(d(expected.due)), `${name}: amountDue ${after.amountDue} = ${expected.due}`)
    t.equal(after.paidDate, expected.paidDate, `${name}: paidDate`)
  }
  t.equal(refusal(() => invoiceAfterRefund(invoice('PARTIAL_PAYMENT', '100', '50'), d('50.0001'), NOW))?.status, 409, 'never below nothing paid')
})

t.test('a payment is refunded in parts up to its amount: PARTIAL_REFUND, then REFUNDED', async (t) => {
  const steps: [string, PaymentStatus, string, string, string, PaymentStatus | number, string?][] = [
    // name, status, amount, refunded so far, refund, expected status (or HTTP refusal), expected refunded total
    ['part of a succeeded payment', 'SUCCEEDED', '100', '0', '30', 'PARTIAL_REFUND', '30'],
    ['the rest after a partial refund', 'PARTIAL_REFUND', '100', '30', '70', 'REFUNDED', '100'],
    ['all of it at once', 'SUCCEEDED', '100', '0', '100', 'REFUNDED', '100'],
    ['a second part that still leaves some', 'PARTIAL_REFUND', '100', '30', '69.9999', 'PARTIAL_REFUND', '99.9999'],
    ['one ten-thousandth over what remains', 'PARTIAL_REFUND', '100', '30', '70.0001', 400],
    ['more than the payment itself', 'SUCCEEDED', '100', '0', '100.5', 400],
    ['anything of a fully refunded payment', 'REFUNDED', '100', '100', '1', 409],
    ['a failed payment', 'FAILED', '100', '0', '1', 409],
    ['a pending payment', 'PENDING', '100', '0', '1', 409],
    ['zero', 'SUCCEEDED', '100', '0', '0', 400],
  ]
  for (const [name, status, amount, refunded, refund, expected, total] of steps) {
    const state = { status, amount: d(amount), refundedAmount: d(refunded) }
    if (typeof expected === 'number') {
      t.equal(refusal(() => paymentAfterRefund(state, d(refund)))?.status, expected, `${name}: refused with ${expected}`)
      continue
    }
    const after = paymentAfterRefund(state, d(refund))
    t.equal(after.status, expected, `${name}: ${expected}`)
    t.ok(after.refundedAmount.eq(d(total!)), `${name}: refunded ${after.refundedAmount} = ${total}`)
  }
  t.match(
    refusal(() => paymentAfterRefund({ status: 'PARTIAL_REFUND', amount: d('100'), refundedAmount: d('30') }, d('80')))?.message,
    /^amount: 80\.0000 is more than the refundable 70\.0000/,
    'the refusal names the refundable amount',
  )
})

t.test("an order's paymentStatus follows its payments and refunds", async (t) => {
  const cases: [string, string, string, string, boolean, PaymentStatus][] = [
    ['nothing paid', '10', '0', '0', false, 'PENDING'],
    ['nothing paid, the last attempt failed', '10', '0', '0', true, 'FAILED'],
    ['part paid', '10', '4', '0', false, 'PENDING'],
    ['part paid, then a failed attempt', '10', '4', '0', true, 'PENDING'],
    ['fully paid', '10', '10', '0', false, 'SUCCEEDED'],
    ['fully paid, part refunded', '10', '10', '3', false, 'PARTIAL_REFUND'],
    ['fully paid, all refunded', '10', '10', '10', false, 'REFUNDED'],
    ['part refunded, then paid again in full', '10', '13', '3', false, 'SUCCEEDED'],
  ]
  for (const [name, total, paid, refunded, failed, expected] of cases) {
    t.equal(orderPaymentStatus({ totalAmount: d(total), paid: d(paid), refunded: d(refunded) }, failed), expected, name)
  }
  const order = { totalAmount: d('10'), paid: d('10'), refunded: d('3') }
  t.ok(orderAmountDue(order).eq(d('3')), 'a refunded part is owed again')
  t.doesNotThrow(() => checkOrderPayment(order, d('3')))
  t.equal(refusal(() => checkOrderPayment(order, d('3.0001')))?.status, 400, 'more than is owed is refused')
})
