// The arithmetic of an invoice, on cases computed by hand (the comments show the sums).
// November 2026 has 30 days, October 2026 has 31.
import t from 'tap'
import { activeDays, type BillableNumber, type BillableUsage, computeInvoice, type InvoiceInput, isEmptyInvoice, prepaidUntil } from '../../src/billing/invoices/compute.js'
import { billingPeriod, isClosed, previousPeriod } from '../../src/billing/invoices/period.js'

const november = billingPeriod('2026-11')
const october = billingPeriod('2026-10')

function number(id: string, monthlyPrice: string, purchasedAt: string, releasedAt: string | null = null, friendlyName: string | null = null): BillableNumber {
  return { id, phoneNumber: `+1415555${id.padStart(4, '0')}`, friendlyName, monthlyPrice, purchasedAt: new Date(purchasedAt), releasedAt: releasedAt === null ? null : new Date(releasedAt) }
}

function usage(recordType: string, usageDate: string, quantity: string, unitPrice: string, totalCost: string, unit = 'units'): BillableUsage {
  return { recordType, usageDate: new Date(usageDate), quantity, unitPrice, totalCost, unit }
}

interface Case {
  name: string
  input: Partial<InvoiceInput>
  lines: Array<{ id: string; type: string; totalPrice: string; quantity?: string; unitPrice?: string; description?: string }>
  subtotal: string
  tax: string
  discount: string
  total: string
}

const cases: Case[] = [
  {
    name: 'a number held the whole month bills its full monthly price',
    input: { numbers: [number('1', '1.15', '2026-10-05T09:00:00Z')] },
    lines: [{ id: 'sub_1', type: 'subscription', quantity: '1', unitPrice: '1.15', totalPrice: '1.15', description: 'Monthly fee for +14155550001' }],
    subtotal: '1.15', tax: '0', discount: '0', total: '1.15',
  },
  {
    name: 'a number bought on the 20th of a 30-day month bills 11/30 of the fee',
    // 1.15 x 11 / 30 = 0.421666... -> 0.4217
    input: { numbers: [number('2', '1.15', '2026-11-20T15:30:00Z')] },
    lines: [{ id: 'sub_2', type: 'subscription', totalPrice: '0.4217', description: 'Monthly fee for +14155550002, 11 of 30 days' }],
    subtotal: '0.4217', tax: '0', discount: '0', total: '0.4217',
  },
  {
    name: 'a number released mid-month bills the days up to and including the day of its release',
    // held on 1..15 November: 1.15 x 15 / 30 = 0.575
    input: { numbers: [number('3', '1.15', '2026-09-01T00:00:00Z', '2026-11-15T10:00:00Z')] },
    lines: [{ id: 'sub_3', type: 'subscription', totalPrice: '0.575' }],
    subtotal: '0.575', tax: '0', discount: '0', total: '0.575',
  },
  {
    name: 'a number bought in October and released in November bills November up to its release',
    // held on 1..10 November: 1.15 x 10 / 30 = 0.38333... -> 0.3833
    input: { numbers: [number('4', '1.15', '2026-10-20T12:00:00Z', '2026-11-10T08:00:00Z')] },
    lines: [{ id: 'sub_4', type: 'subscription', totalPrice: '0.3833', description: 'Monthly fee for +14155550004, 10 of 30 days' }],
    subtotal: '0.3833', tax: '0', discount: '0', total: '0.3833',
  },
  {
    name: 'the same number bills October from its purchase to the 31st',
    // held on 20..31 October: 1.15 x 12 / 31 = 0.445161... -> 0.4452
    input: { period: october, numbers: [number('4', '1.15', '2026-10-20T12:00:00Z', '2026-11-10T08:00:00Z')] },
    lines: [{ id: 'sub_4', type: 'subscription', totalPrice: '0.4452', description: 'Monthly fee for +14155550004, 12 of 31 days' }],
    subtotal: '0.4452', tax: '0', discount: '0', total: '0.4452',
  },
  {
    name: 'a release at midnight does not bill the day that midnight starts',
    // held on 1..9 November: 1.15 x 9 / 30 = 0.345
    input: { numbers: [number('5', '1.15', '2026-10-01T00:00:00Z', '2026-11-10T00:00:00Z')] },
    lines: [{ id: 'sub_5', type: 'subscription', totalPrice: '0.345' }],
    subtotal: '0.345', tax: '0', discount: '0', total: '0.345',
  },
  {
    name: 'a number bought a minute before the month ends bills one day; numbers outside the month bill nothing',
    // 1.15 / 30 = 0.038333... -> 0.0383
    input: {
      numbers: [
        number('6', '1.15', '2026-11-30T23:59:00Z'),
        number('7', '1.15', '2026-09-01T00:00:00Z', '2026-10-31T23:00:00Z'),
        number('8', '1.15', '2026-12-01T00:00:00Z'),
      ],
    },
    lines: [{ id: 'sub_6', type: 'subscription', totalPrice: '0.0383' }],
    subtotal: '0.0383', tax: '0', discount: '0', total: '0.0383',
  },
  {
    name: 'prorated amounts round half away from zero at 4 decimals, not to even',
    // 0.0005 x 15 / 30 = 0.00025 -> 0.0003 (banker's rounding would give 0.0002)
    input: { numbers: [number('9', '0.0005', '2026-11-16T00:00:00Z')] },
    lines: [{ id: 'sub_9', type: 'subscription', totalPrice: '0.0003' }],
    subtotal: '0.0003', tax: '0', discount: '0', total: '0.0003',
  },
  {
    name: 'usage bills one line per type, in a stable order, without the PHONE_NUMBER records the monthly fees already cover',
    input: {
      usage: [
        usage('SMS_MESSAGE', '2026-11-04T09:00:00Z', '2', '0.0079', '0.0158', 'segments'),
        usage('VOICE_MINUTES', '2026-11-02T10:00:00Z', '2', '0.013', '0.026', 'minutes'),
        usage('PHONE_NUMBER', '2026-11-01T00:00:00Z', '1', '1.15', '1.15', 'numbers'),
        usage('VOICE_MINUTES', '2026-11-05T10:00:00Z', '1', '0.013', '0.013', 'minutes'),
        usage('MMS_MESSAGE', '2026-11-06T10:00:00Z', '1', '0.02', '0.02', 'messages'),
        usage('SMS_MESSAGE', '2026-11-03T09:00:00Z', '1', '0.0079', '0.0079', 'segments'),
        usage('VOICE_MINUTES', '2026-11-02T18:00:00Z', '3', '0.013', '0.039', 'minutes'),
        usage('MMS_MESSAGE', '2026-11-06T11:00:00Z', '1', '0.03', '0.03', 'messages'),
      ],
    },
    // voice 2 + 1 + 3 = 6 min, 0.026 + 0.013 + 0.039 = 0.078; SMS 3 segments, 0.0237;
    // MMS 2 messages at two prices: 0.05, average rate 0.025. 0.078 + 0.0237 + 0.05 = 0.1517
    lines: [
      { id: 'usage_voice_minutes', type: 'usage', quantity: '6', unitPrice: '0.013', totalPrice: '0.078', description: 'Voice minutes' },
      { id: 'usage_sms_message', type: 'usage', quantity: '3', unitPrice: '0.0079', totalPrice: '0.0237', description: 'SMS messages' },
      { id: 'usage_mms_message', type: 'usage', quantity: '2', unitPrice: '0.025', totalPrice: '0.05', description: 'MMS messages' },
    ],
    subtotal: '0.1517', tax: '0', discount: '0', total: '0.1517',
  },
  {
    name: 'tax at 8.25 % applies to monthly fees and usage together',
    // 1.15 + 0.078 + 0.0237 = 1.2517; x 0.0825 = 0.10326525 -> 0.1033; 1.2517 + 0.1033 = 1.355
    input: {
      taxRate: '0.0825',
      numbers: [number('1', '1.15', '2026-10-05T09:00:00Z')],
      usage: [
        usage('VOICE_MINUTES', '2026-11-02T10:00:00Z', '6', '0.013', '0.078', 'minutes'),
        usage('SMS_MESSAGE', '2026-11-03T09:00:00Z', '3', '0.0079', '0.0237', 'segments'),
      ],
    },
    lines: [
      { id: 'sub_1', type: 'subscription', totalPrice: '1.15' },
      { id: 'usage_voice_minutes', type: 'usage', totalPrice: '0.078' },
      { id: 'usage_sms_message', type: 'usage', totalPrice: '0.0237' },
      { id: 'tax', type: 'tax', quantity: '1', unitPrice: '0.1033', totalPrice: '0.1033', description: 'Tax (8.25% of 1.2517)' },
    ],
    subtotal: '1.2517', tax: '0.1033', discount: '0', total: '1.355',
  },
  {
    name: 'a percent and an amount discount come off the subtotal before tax',
    // 10 % of 10 = 1; then 2.50: discounts 3.5. Tax 8.25 % of 6.5 = 0.53625 -> 0.5363.
    // 10 + 0.5363 - 3.5 = 7.0363
    input: {
      taxRate: '0.0825',
      numbers: [number('10', '10', '2026-01-01T00:00:00Z')],
      discounts: [{ description: 'Loyalty', percent: '10' }, { description: 'Goodwill credit', amount: '2.50' }],
    },
    lines: [
      { id: 'sub_10', type: 'subscription', totalPrice: '10' },
      { id: 'discount_1', type: 'discount', totalPrice: '-1', unitPrice: '-1', description: 'Loyalty (10%)' },
      { id: 'discount_2', type: 'discount', totalPrice: '-2.5', description: 'Goodwill credit' },
      { id: 'tax', type: 'tax', totalPrice: '0.5363', description: 'Tax (8.25% of 6.5)' },
    ],
    subtotal: '10', tax: '0.5363', discount: '3.5', total: '7.0363',
  },
  {
    name: 'a discount larger than the invoice is limited to it: the total never goes below 0, and no tax is due',
    input: {
      taxRate: '0.0825',
      numbers: [number('1', '1.15', '2026-10-05T09:00:00Z')],
      discounts: [{ description: 'Credit', amount: '5' }, { description: 'Promo', percent: '50' }],
    },
    lines: [
      { id: 'sub_1', type: 'subscription', totalPrice: '1.15' },
      { id: 'discount_1', type: 'discount', totalPrice: '-1.15', description: 'Credit, limited to the amount left to pay' },
      { id: 'discount_2', type: 'discount', totalPrice: '0', description: 'Promo (50%), limited to the amount left to pay' },
    ],
    subtotal: '1.15', tax: '0', discount: '1.15', total: '0',
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = computeInvoice({ period: november, numbers: [], usage: [], taxRate: '0', ...c.input })
    t.strictSame(
      result.lineItems.map((l) => ({ id: l.id, type: l.type, totalPrice: l.totalPrice })),
      c.lines.map((l) => ({ id: l.id, type: l.type, totalPrice: l.totalPrice })),
      'lines and amounts',
    )
    c.lines.forEach((expected, i) => t.match(result.lineItems[i], expected, `line ${expected.id}`))
    t.equal(result.subtotal.toFixed(), c.subtotal, 'subtotal')
    t.equal(result.taxAmount.toFixed(), c.tax, 'tax')
    t.equal(result.discountAmount.toFixed(), c.discount, 'discount')
    t.equal(result.totalAmount.toFixed(), c.total, 'total')
    const sum = result.lineItems.reduce((s, l) => s.add(l.totalPrice), result.subtotal.mul(0))
    t.equal(sum.toFixed(), c.total, 'the lines add up to the total')
  })
}

t.test('a usage line carries a per-day breakdown in UsageDetails', async (t) => {
  const { lineItems } = computeInvoice({
    period: november,
    numbers: [],
    taxRate: '0',
    usage: [
      usage('VOICE_MINUTES', '2026-11-05T10:00:00Z', '1', '0.013', '0.013', 'minutes'),
      usage('VOICE_MINUTES', '2026-11-02T10:00:00Z', '2', '0.013', '0.026', 'minutes'),
      usage('VOICE_MINUTES', '2026-11-02T23:59:59Z', '3', '0.013', '0.039', 'minutes'),
    ],
  })
  t.strictSame(lineItems[0]!.details, {
    resourceType: 'VOICE_MINUTES',
    usageDetails: {
      unit: 'minutes',
      rate: '0.013',
      quantity: '6',
      breakdown: [
        { date: '2026-11-02', quantity: '5', cost: '0.065' },
        { date: '2026-11-05', quantity: '1', cost: '0.013' },
      ],
    },
  })
  t.strictSame(lineItems[0]!.period, { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' })
})

t.test('a prorated line says which days it covers and how many', async (t) => {
  const { lineItems } = computeInvoice({ period: november, usage: [], taxRate: '0', numbers: [number('2', '1.15', '2026-11-20T15:30:00Z', null, 'Sales')] })
  t.match(lineItems[0], {
    description: 'Monthly fee for +14155550002 (Sales), 11 of 30 days',
    period: { start: '2026-11-20T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    details: { resourceId: '2', resourceType: 'number', proration: { activeDays: 11, daysInMonth: 30 } },
  })
})

t.test('an account with no number and no usage has nothing to bill', async (t) => {
  t.ok(isEmptyInvoice(computeInvoice({ period: november, numbers: [], usage: [], taxRate: '0.0825' })))
  t.ok(isEmptyInvoice(computeInvoice({ period: november, numbers: [number('7', '1', '2026-01-01T00:00:00Z', '2026-10-02T00:00:00Z')], usage: [], taxRate: '0' })))
  t.notOk(isEmptyInvoice(computeInvoice({ period: november, numbers: [number('1', '1', '2026-01-01T00:00:00Z')], usage: [], taxRate: '0' })))
})

t.test('active days: whole month, leap February, and a number never held in the period', async (t) => {
  t.equal(activeDays({ purchasedAt: new Date('2020-01-01T00:00:00Z'), releasedAt: null }, billingPeriod('2028-02')).days, 29)
  t.equal(activeDays({ purchasedAt: new Date('2026-12-01T00:00:00Z'), releasedAt: null }, november).days, 0)
  t.equal(activeDays({ purchasedAt: new Date('2026-11-03T05:00:00Z'), releasedAt: new Date('2026-11-03T06:00:00Z') }, november).days, 1)
})

t.test('a period is closed once its month has ended; the previous period of the 1st is last month', async (t) => {
  t.notOk(isClosed(november, new Date('2026-11-30T23:59:59.999Z')))
  t.ok(isClosed(november, new Date('2026-12-01T00:00:00Z')))
  t.equal(previousPeriod(new Date('2027-01-01T00:30:00Z')).key, '2026-12')
  t.throws(() => billingPeriod('2026-13'))
})

t.test("a number bought through an order is billed from the end of the month its order paid for", async (t) => {
  const october = billingPeriod('2026-10')
  const bought = number('3', '1.20', '2026-10-20T15:30:00Z')
  const ordered = { ...bought, prepaidUntil: prepaidUntil(bought.purchasedAt) }
  t.same(prepaidUntil(bought.purchasedAt), new Date('2026-11-20T00:00:00Z'))
  // October 20-31 was paid by the order: nothing to bill for October.
  t.ok(isEmptyInvoice(computeInvoice({ period: october, numbers: [ordered], usage: [], taxRate: '0' })))
  // November 20-30 is the first stretch after the prepaid month: 1.20 x 11 / 30 = 0.44.
  const { lineItems } = computeInvoice({ period: november, numbers: [ordered], usage: [], taxRate: '0' })
  t.match(lineItems[0], { totalPrice: '0.44', details: { proration: { activeDays: 11, daysInMonth: 30 } } })
  // Without an order the same number is billed from the day it was bought.
  t.equal(computeInvoice({ period: october, numbers: [bought], usage: [], taxRate: '0' }).lineItems[0]?.totalPrice, '0.4645')
  // The 31st of January is prepaid until the 3rd of March (Date.UTC rolls February over), never less than a month.
  t.same(prepaidUntil(new Date('2027-01-31T10:00:00Z')), new Date('2027-03-03T00:00:00Z'))
})
