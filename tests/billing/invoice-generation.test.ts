// Issuing invoices against a real Postgres: one per account and period however often and
// however concurrently it runs, numbered without gaps, due after the payment terms, SENT, and
// announced (webhook delivery queued, notification).
import t from 'tap'
import type { Test } from 'tap'
import { generateInvoices } from '../../src/billing/invoices/generate.js'
import type { InvoiceLineItem } from '../../src/billing/invoices/line-items.js'
import { createTestDatabase } from '../helpers/database.js'
import { billing, customer, heldNumber, usageRow, webhookEndpoint } from './invoice-support.js'

// Invoices are issued "now" = 25 November 2026 for October 2026 (31 days), unless said otherwise.
const now = new Date('2026-11-25T12:00:00Z')

async function database(t: Test) {
  const { db } = await createTestDatabase(t, { migrate: true })
  return db.prisma
}

t.test('an account is invoiced once per period: a second run creates nothing and names the existing invoice', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-09-01T00:00:00Z' })

  const first = await generateInvoices(prisma, { period: '2026-10', billing, now })
  t.equal(first.created.length, 1)
  const second = await generateInvoices(prisma, { period: '2026-10', billing, now: new Date('2026-11-26T00:00:00Z') })
  t.strictSame(second.created, [])
  t.strictSame(second.skipped, [
    {
      billingAccountId: ada.account.id,
      reason: 'ALREADY_INVOICED',
      message: `2026-10 is already invoiced: ${first.created[0]!.invoiceNumber}`,
      invoiceId: first.created[0]!.id,
      invoiceNumber: first.created[0]!.invoiceNumber,
    },
  ])
  t.equal(await prisma.invoice.count(), 1)
  t.equal(await prisma.notification.count({ where: { userId: ada.user.id } }), 1, 'the customer is told once')
})

t.test('two generations of the same account at once make one invoice, one notification and one webhook delivery', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-09-01T00:00:00Z' })
  await webhookEndpoint(prisma, ada.user.id, ['INVOICE_CREATED'])

  const results = await Promise.all([
    generateInvoices(prisma, { period: '2026-10', billingAccountId: ada.account.id, billing, now }),
    generateInvoices(prisma, { period: '2026-10', billingAccountId: ada.account.id, billing, now }),
  ])
  t.equal(results.flatMap((r) => r.created).length, 1, 'one call created it')
  t.strictSame(results.flatMap((r) => r.skipped.map((s) => s.reason)), ['ALREADY_INVOICED'], 'the other found it')
  t.equal(await prisma.invoice.count(), 1)
  t.equal(await prisma.notification.count({ where: { userId: ada.user.id } }), 1)
  t.equal(await prisma.webhookDelivery.count(), 1)
})

t.test('invoices are numbered INV-YYYY-NNNNNN in sequence per year of issue, without gaps under concurrency', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma, 'Ada')
  const bob = await customer(prisma, 'Bob')
  const cyd = await customer(prisma, 'Cyd')
  const dee = await customer(prisma, 'Dee')
  for (const c of [ada, bob, cyd, dee]) await heldNumber(prisma, c.user.id, { purchasedAt: '2026-01-01T00:00:00Z' })

  // One run: accounts in the order they were opened.
  const run = await generateInvoices(prisma, { period: '2026-09', billing, now })
  t.strictSame(
    run.created.map((i) => [i.billingAccountId, i.invoiceNumber]),
    [[ada.account.id, 'INV-2026-000001'], [bob.account.id, 'INV-2026-000002'], [cyd.account.id, 'INV-2026-000003'], [dee.account.id, 'INV-2026-000004']],
  )

  // Four generators at once, one per account: four consecutive numbers, none taken twice.
  const parallel = await Promise.all(
    [ada, bob, cyd, dee].map((c) => generateInvoices(prisma, { period: '2026-10', billingAccountId: c.account.id, billing, now })),
  )
  t.strictSame(parallel.flatMap((r) => r.created.map((i) => i.invoiceNumber)).sort(), ['INV-2026-000005', 'INV-2026-000006', 'INV-2026-000007', 'INV-2026-000008'])

  // A new year of issue starts again at 1.
  const nextYear = await generateInvoices(prisma, { period: '2026-11', billingAccountId: ada.account.id, billing, now: new Date('2027-01-02T00:00:00Z') })
  t.equal(nextYear.created[0]!.invoiceNumber, 'INV-2027-000001')
})

t.test('an invoice is SENT, due after the payment terms, with its amounts, period and line items', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  const number = await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-10-20T12:00:00Z', monthlyPrice: '1.15' })
  await prisma.usageRecord.createMany({
    data: [
      usageRow(ada.account.id, 'VOICE_MINUTES', '2026-10-02T10:00:00Z', '2', '0.013', '0.026'),
      usageRow(ada.account.id, 'VOICE_MINUTES', '2026-10-02T22:00:00Z', '3', '0.013', '0.039'),
      usageRow(ada.account.id, 'SMS_MESSAGE', '2026-10-03T09:00:00Z', '1', '0.0079', '0.0079'),
      // Another period's usage stays out.
      usageRow(ada.account.id, 'VOICE_MINUTES', '2026-11-02T10:00:00Z', '7', '0.013', '0.091'),
    ],
  })

  const { created } = await generateInvoices(prisma, { period: '2026-10', billing: { taxRate: '0.0825', paymentTermsDays: 15 }, now })
  const invoice = await prisma.invoice.findUniqueOrThrow({ where: { id: created[0]!.id } })
  // Fee: 1.15 x 12 / 31 = 0.445161... -> 0.4452. Usage: 0.065 + 0.0079. Subtotal 0.5181;
  // tax 0.5181 x 0.0825 = 0.04274325 -> 0.0427; total 0.5608.
  t.match(invoice, {
    status: 'SENT',
    currency: 'USD',
    issueDate: now,
    dueDate: new Date('2026-12-10T12:00:00Z'),
    paymentTerms: 'Net 15',
    periodStart: new Date('2026-10-01T00:00:00Z'),
    periodEnd: new Date('2026-11-01T00:00:00Z'),
  })
  t.strictSame(
    [invoice.subtotalAmount, invoice.taxAmount, invoice.discountAmount, invoice.totalAmount, invoice.amountPaid, invoice.amountDue].map((d) => d.toFixed()),
    ['0.5181', '0.0427', '0', '0.5608', '0', '0.5608'],
  )
  const lines = invoice.lineItems as unknown as InvoiceLineItem[]
  t.strictSame(lines.map((l) => [l.id, l.totalPrice]), [
    [`sub_${number.id}`, '0.4452'],
    ['usage_voice_minutes', '0.065'],
    ['usage_sms_message', '0.0079'],
    ['tax', '0.0427'],
  ])
  t.strictSame(lines[1]!.details!.usageDetails!.breakdown, [{ date: '2026-10-02', quantity: '5', cost: '0.065' }])
  const account = await prisma.billingAccount.findUniqueOrThrow({ where: { id: ada.account.id } })
  t.equal(account.accountBalance.toFixed(), '0.5608', 'the account now owes the invoice')
})

t.test('INVOICE_CREATED is queued for a subscribed endpoint and the customer gets a BILLING notification', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-09-01T00:00:00Z' })
  const subscribed = await webhookEndpoint(prisma, ada.user.id, ['INVOICE_CREATED', 'INVOICE_PAID'])
  await webhookEndpoint(prisma, ada.user.id, ['NUMBER_PURCHASED'])
  const bob = await customer(prisma, 'Bob')
  await heldNumber(prisma, bob.user.id, { purchasedAt: '2026-09-01T00:00:00Z' })

  const { created } = await generateInvoices(prisma, { period: '2026-10', billing, now })
  const adaInvoice = created.find((i) => i.billingAccountId === ada.account.id)!

  const deliveries = await prisma.webhookDelivery.findMany()
  t.equal(deliveries.length, 1, 'only the subscribed endpoint gets a delivery')
  t.match(deliveries[0], {
    webhookEndpointId: subscribed.id,
    event: 'INVOICE_CREATED',
    status: 'PENDING',
    payload: {
      event: 'INVOICE_CREATED',
      data: { invoiceId: adaInvoice.id, invoiceNumber: adaInvoice.invoiceNumber, period: '2026-10', status: 'SENT', totalAmount: '1.15', amountDue: '1.15', currency: 'USD' },
    },
  })

  const adaNotes = await prisma.notification.findMany({ where: { userId: ada.user.id } })
  t.match(adaNotes, [
    {
      type: 'BILLING',
      title: `Invoice ${adaInvoice.invoiceNumber}`,
      message: 'Your invoice for October 2026 is 1.15 USD, due 2026-12-25.',
      channels: ['IN_APP', 'EMAIL', 'WEBHOOK'],
      actionUrl: `/api/v1/billing/invoices/${adaInvoice.id}`,
    },
  ])
  t.strictSame((await prisma.notification.findMany({ where: { userId: bob.user.id } })).map((n) => n.channels), [['IN_APP', 'EMAIL']], 'no endpoint: in the app and by mail')
})

t.test('accounts with nothing to bill get no invoice, and are listed as skipped', async (t) => {
  const prisma = await database(t)
  const idle = await customer(prisma, 'Idle')
  const gone = await customer(prisma, 'Gone')
  await heldNumber(prisma, gone.user.id, { purchasedAt: '2026-01-01T00:00:00Z', releasedAt: '2026-09-30T10:00:00Z' })
  const later = await customer(prisma, 'Later')
  await heldNumber(prisma, later.user.id, { purchasedAt: '2026-11-02T00:00:00Z' })

  const result = await generateInvoices(prisma, { period: '2026-10', billing, now })
  t.strictSame(result.created, [])
  t.strictSame(
    result.skipped.map((s) => [s.billingAccountId, s.reason]),
    [[idle.account.id, 'NOTHING_TO_BILL'], [gone.account.id, 'NOTHING_TO_BILL'], [later.account.id, 'NOTHING_TO_BILL']],
  )
  t.equal(await prisma.invoice.count(), 0)
})

t.test('charges in another currency than the account bills in are not invoiced automatically', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma, 'Ada', 'EUR')
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-01-01T00:00:00Z', currency: 'USD' })
  const result = await generateInvoices(prisma, { period: '2026-10', billing, now })
  t.match(result.skipped, [{ billingAccountId: ada.account.id, reason: 'MIXED_CURRENCIES', message: /bills in EUR but has charges in USD/ }])
  t.equal(await prisma.invoice.count(), 0)
})

t.test('a DRAFT left by an interrupted run is sent by the next run, under its own number', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-01-01T00:00:00Z' })
  const draft = await prisma.invoice.create({
    data: {
      invoiceNumber: 'INV-2026-000001', billingAccountId: ada.account.id, subtotalAmount: '1.15', totalAmount: '1.15', amountDue: '1.15',
      dueDate: new Date('2026-12-25T12:00:00Z'), periodStart: new Date('2026-10-01T00:00:00Z'), periodEnd: new Date('2026-11-01T00:00:00Z'), lineItems: [],
    },
  })
  const result = await generateInvoices(prisma, { period: '2026-10', billing, now })
  t.strictSame(result.created.map((i) => [i.id, i.invoiceNumber, i.status]), [[draft.id, 'INV-2026-000001', 'SENT']])
  t.equal(await prisma.invoice.count(), 1)
  t.equal(await prisma.notification.count({ where: { userId: ada.user.id } }), 1)
})

t.test('a cancelled invoice does not block re-issuing the period', async (t) => {
  const prisma = await database(t)
  const ada = await customer(prisma)
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-01-01T00:00:00Z' })
  const first = await generateInvoices(prisma, { period: '2026-10', billing, now })
  await prisma.invoice.update({ where: { id: first.created[0]!.id }, data: { status: 'CANCELLED' } })
  const again = await generateInvoices(prisma, { period: '2026-10', billing, now })
  t.equal(again.created[0]!.invoiceNumber, 'INV-2026-000002')
})

t.test('the current month, a future month and a malformed period are refused, naming the period', async (t) => {
  const prisma = await database(t)
  for (const period of ['2026-11', '2027-01', '2026-13']) {
    await t.rejects(generateInvoices(prisma, { period, billing, now }), { code: 'VALIDATION_FAILED', message: /^period: / }, period)
  }
  await t.rejects(generateInvoices(prisma, { period: '2026-10', billingAccountId: 'nope', billing, now }), { code: 'NOT_FOUND' })
  await t.rejects(
    generateInvoices(prisma, { period: '2026-10', discounts: [{ description: 'x', amount: '1' }], billing, now }),
    { code: 'VALIDATION_FAILED', message: /^discounts: / },
    'a discount needs one account',
  )
})
