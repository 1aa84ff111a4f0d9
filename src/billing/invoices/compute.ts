// The arithmetic of an invoice, with no I/O and no clock: everything it bills is an input, so
// the hand-computed cases of tests/billing/invoice-compute.test.ts pin it down exactly.
//
// Rounding. All arithmetic is Prisma.Decimal (decimal.js), exact. Each line's totalPrice is
// rounded once, half away from zero, to 4 decimals (the precision of every money column); only
// prorated fees, percent discounts and tax ever need it. The invoice's totals are exact sums of
// the rounded lines, so the lines always add up to the totals to the last digit.
import { Prisma } from '../../generated/prisma/client.js'
import type { InvoiceLineItem, UsageDetails } from './line-items.js'
import { type BillingPeriod, ceilDay, DAY_MS, floorDay, utcDate } from './period.js'

type Decimal = Prisma.Decimal
const Decimal = Prisma.Decimal
/** A decimal given as a Decimal or its string form; never a float. */
export type DecimalInput = Decimal | string

const ZERO = new Decimal(0)
const MONEY_DP = 4

export function roundMoney(value: Decimal): Decimal {
  return value.toDecimalPlaces(MONEY_DP, Decimal.ROUND_HALF_UP)
}

/** A decimal string in plain notation ("0.0079", never "7.9e-3"), without trailing zeros. */
export function decimalString(value: Decimal): string {
  return value.toFixed()
}

export interface BillableNumber {
  id: string
  phoneNumber: string
  friendlyName: string | null
  monthlyPrice: DecimalInput
  purchasedAt: Date
  releasedAt: Date | null
  /**
   * Set for numbers bought through an order: the order charged their first month, so their fee
   * is billed from this instant on (see prepaidUntil below).
   */
  prepaidUntil?: Date | null
}

/**
 * A purchase order charges a number's first month (its MONTHLY_FEE item), covering the whole
 * days from the day of purchase to the same day of the next month (UTC). Invoices bill the
 * number from then on, so no day is charged twice.
 */
export function prepaidUntil(purchasedAt: Date): Date {
  const start = new Date(floorDay(purchasedAt))
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()))
}

export interface BillableUsage {
  recordType: string
  quantity: DecimalInput
  unit: string
  unitPrice: DecimalInput
  totalCost: DecimalInput
  usageDate: Date
}

/** Exactly one of amount (in the invoice's currency) or percent (of the subtotal, 0 < p <= 100). */
export type Discount = { description: string; amount: string; percent?: never } | { description: string; percent: string; amount?: never }

export interface InvoiceInput {
  period: BillingPeriod
  numbers: BillableNumber[]
  usage: BillableUsage[]
  /** "0.0825" = 8.25 %. */
  taxRate: DecimalInput
  discounts?: Discount[]
}

export interface InvoiceComputation {
  lineItems: InvoiceLineItem[]
  /** Monthly fees and usage, before discounts and tax. */
  subtotal: Decimal
  taxAmount: Decimal
  /** Positive: what the discount lines (negative totals) take off. */
  discountAmount: Decimal
  /** subtotal + taxAmount - discountAmount, never below 0. */
  totalAmount: Decimal
}

/**
 * The days of the period a number was held, and the window they span. A day (UTC) counts when
 * the number was held at any instant of it: bought at 23:00 or released at 01:00 still bills
 * the whole day. A number held over [purchasedAt, releasedAt) whose release falls exactly on a
 * midnight does not bill the day that midnight starts.
 */
export function activeDays(number: Pick<BillableNumber, 'purchasedAt' | 'releasedAt'>, period: BillingPeriod) {
  const from = Math.max(period.start.getTime(), floorDay(number.purchasedAt))
  const to = Math.min(period.end.getTime(), number.releasedAt === null ? Infinity : ceilDay(number.releasedAt))
  const days = to > from ? Math.round((to - from) / DAY_MS) : 0
  return { days, start: new Date(from), end: new Date(Math.max(from, to)) }
}

const USAGE_LABELS: Record<string, string> = {
  VOICE_MINUTES: 'Voice minutes',
  SMS_MESSAGE: 'SMS messages',
  MMS_MESSAGE: 'MMS messages',
  RECORDING_STORAGE: 'Recording storage',
  TRANSCRIPTION: 'Transcription',
}
const USAGE_ORDER = Object.keys(USAGE_LABELS)

function subscriptionLines(numbers: BillableNumber[], period: BillingPeriod): InvoiceLineItem[] {
  const lines: InvoiceLineItem[] = []
  const ordered = [...numbers].sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime() || a.phoneNumber.localeCompare(b.phoneNumber))
  for (const number of ordered) {
    const billedFrom = number.prepaidUntil != null && number.prepaidUntil > number.purchasedAt ? number.prepaidUntil : number.purchasedAt
    const { days, start, end } = activeDays({ purchasedAt: billedFrom, releasedAt: number.releasedAt }, period)
    if (days === 0) continue
    const monthly = new Decimal(number.monthlyPrice)
    const whole = days === period.daysInMonth
    // Prorated by day: monthlyPrice x activeDays / daysInMonth, rounded once at the end.
    const total = whole ? monthly : roundMoney(monthly.mul(days).div(period.daysInMonth))
    const name = number.friendlyName ? `${number.phoneNumber} (${number.friendlyName})` : number.phoneNumber
    lines.push({
      id: `sub_${number.id}`,
      description: whole
        ? `Monthly fee for ${name}`
        : `Monthly fee for ${name}, ${days} of ${period.daysInMonth} days`,
      quantity: '1',
      unitPrice: decimalString(monthly),
      totalPrice: decimalString(roundMoney(total)),
      type: 'subscription',
      period: { start: start.toISOString(), end: end.toISOString() },
      details: {
        resourceId: number.id,
        resourceType: 'number',
        proration: { activeDays: days, daysInMonth: period.daysInMonth },
      },
    })
  }
  return lines
}

function usageLines(usage: BillableUsage[], period: BillingPeriod): InvoiceLineItem[] {
  const byType = new Map<string, BillableUsage[]>()
  for (const record of usage) {
    // A number's monthly fee is billed from the Number itself (subscriptionLines): a
    // PHONE_NUMBER usage record for it would bill the fee twice.
    if (record.recordType === 'PHONE_NUMBER') continue
    const list = byType.get(record.recordType) ?? []
    list.push(record)
    byType.set(record.recordType, list)
  }
  const rank = (type: string) => (USAGE_ORDER.includes(type) ? USAGE_ORDER.indexOf(type) : USAGE_ORDER.length)
  const types = [...byType.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))

  return types.map((type) => {
    const records = byType.get(type)!
    let quantity = ZERO
    let cost = ZERO
    const days = new Map<string, { quantity: Decimal; cost: Decimal }>()
    for (const r of records) {
      quantity = quantity.add(r.quantity)
      cost = cost.add(r.totalCost)
      const date = utcDate(r.usageDate)
      const day = days.get(date) ?? { quantity: ZERO, cost: ZERO }
      days.set(date, { quantity: day.quantity.add(r.quantity), cost: day.cost.add(r.totalCost) })
    }
    const prices = new Set(records.map((r) => new Decimal(r.unitPrice).toFixed()))
    const rate =
      prices.size === 1 ? new Decimal(records[0]!.unitPrice)
      : quantity.isZero() ? ZERO
      : roundMoney(cost.div(quantity))
    const units = new Set(records.map((r) => r.unit))
    const usageDetails: UsageDetails = {
      unit: units.size === 1 ? records[0]!.unit : 'units',
      rate: decimalString(rate),
      quantity: decimalString(quantity),
      breakdown: [...days.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, d]) => ({ date, quantity: decimalString(d.quantity), cost: decimalString(roundMoney(d.cost)) })),
    }
    return {
      id: `usage_${type.toLowerCase()}`,
      description: USAGE_LABELS[type] ?? type,
      quantity: decimalString(quantity),
      unitPrice: decimalString(rate),
      totalPrice: decimalString(roundMoney(cost)),
      type: 'usage' as const,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      details: { resourceType: type, usageDetails },
    }
  })
}

function percentLabel(fraction: Decimal): string {
  return `${decimalString(fraction.mul(100))}%`
}

/** Discount lines in the order given; each is limited to what is left of the subtotal. */
function discountLines(discounts: Discount[], subtotal: Decimal): { lines: InvoiceLineItem[]; total: Decimal } {
  const lines: InvoiceLineItem[] = []
  let total = ZERO
  discounts.forEach((discount, index) => {
    let wanted: Decimal
    let description = discount.description
    if (discount.percent !== undefined) {
      const percent = new Decimal(discount.percent)
      if (percent.lte(0) || percent.gt(100)) throw new RangeError(`discount ${index}: percent must be above 0 and at most 100`)
      wanted = roundMoney(subtotal.mul(percent).div(100))
      description = `${description} (${percentLabel(percent.div(100))})`
    } else {
      wanted = roundMoney(new Decimal(discount.amount))
      if (wanted.lte(0)) throw new RangeError(`discount ${index}: amount must be above 0`)
    }
    const left = subtotal.sub(total)
    const applied = Decimal.min(wanted, left)
    if (applied.lt(wanted)) description = `${description}, limited to the amount left to pay`
    total = total.add(applied)
    lines.push({
      id: `discount_${index + 1}`,
      description,
      quantity: '1',
      unitPrice: decimalString(applied.neg()),
      totalPrice: decimalString(applied.neg()),
      type: 'discount',
    })
  })
  return { lines, total }
}

/**
 * An account's invoice for one period: a subscription line per number held during it (the
 * full monthly price if held every day, else prorated by day), one usage line per usage type
 * with a per-day breakdown, discount lines, then tax on what is left after discounts (the
 * taxable amount is what the customer actually pays for the service).
 */
export function computeInvoice(input: InvoiceInput): InvoiceComputation {
  const charges = [...subscriptionLines(input.numbers, input.period), ...usageLines(input.usage, input.period)]
  const subtotal = charges.reduce((sum, line) => sum.add(line.totalPrice), ZERO)
  const discounts = discountLines(input.discounts ?? [], subtotal)

  const rate = new Decimal(input.taxRate)
  if (rate.lt(0)) throw new RangeError('the tax rate must not be negative')
  const taxable = Decimal.max(subtotal.sub(discounts.total), ZERO)
  const taxAmount = roundMoney(taxable.mul(rate))
  const lineItems = [...charges, ...discounts.lines]
  if (rate.gt(0) && taxAmount.gt(0)) {
    lineItems.push({
      id: 'tax',
      description: `Tax (${percentLabel(rate)} of ${decimalString(taxable)})`,
      quantity: '1',
      unitPrice: decimalString(taxAmount),
      totalPrice: decimalString(taxAmount),
      type: 'tax',
    })
  }
  const totalAmount = Decimal.max(subtotal.add(taxAmount).sub(discounts.total), ZERO)
  return { lineItems, subtotal, taxAmount, discountAmount: discounts.total, totalAmount }
}

/** True when the computation bills nothing at all: no number held and no usage. */
export function isEmptyInvoice(computation: InvoiceComputation): boolean {
  return !computation.lineItems.some((line) => line.type === 'subscription' || line.type === 'usage')
}
