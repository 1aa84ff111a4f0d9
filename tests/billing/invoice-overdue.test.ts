// The daily job: unpaid invoices past their due date become OVERDUE, once, with a notification.
import t from 'tap'
import type { InvoiceStatus, PrismaClient } from '../../src/generated/prisma/client.js'
import { markOverdueInvoices } from '../../src/billing/invoices/overdue.js'
import { createTestDatabase } from '../helpers/database.js'
import { customer } from './invoice-support.js'

const now = new Date('2026-11-25T12:00:00Z')

let sequence = 0
async function invoice(prisma: PrismaClient, billingAccountId: string, status: InvoiceStatus, dueDate: string, amountDue = '10') {
  sequence += 1
  return prisma.invoice.create({
    data: {
      invoiceNumber: `INV-2026-${String(sequence).padStart(6, '0')}`,
      billingAccountId,
      subtotalAmount: '10',
      totalAmount: '10',
      amountPaid: String(10 - Number(amountDue)),
      amountDue,
      status,
      dueDate: new Date(dueDate),
      periodStart: new Date('2026-09-01T00:00:00Z'),
      periodEnd: new Date('2026-10-01T00:00:00Z'),
      lineItems: [],
    },
  })
}

t.test('unpaid invoices past due become OVERDUE; paid, settled, drafts and not-yet-due ones stay as they are', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: true })
  const prisma = db.prisma
  const ada = await customer(prisma)
  const id = ada.account.id

  const pastDue = {
    sent: await invoice(prisma, id, 'SENT', '2026-11-24T12:00:00Z'),
    viewed: await invoice(prisma, id, 'VIEWED', '2026-10-31T00:00:00Z'),
    partial: await invoice(prisma, id, 'PARTIAL_PAYMENT', '2026-11-25T11:59:59Z', '4.5'),
  }
  const untouched = {
    dueNow: await invoice(prisma, id, 'SENT', '2026-11-25T12:00:00Z'),
    dueLater: await invoice(prisma, id, 'SENT', '2026-12-10T00:00:00Z'),
    paid: await invoice(prisma, id, 'PAID', '2026-10-01T00:00:00Z', '0'),
    nothingDue: await invoice(prisma, id, 'SENT', '2026-10-01T00:00:00Z', '0'),
    draft: await invoice(prisma, id, 'DRAFT', '2026-10-01T00:00:00Z'),
    cancelled: await invoice(prisma, id, 'CANCELLED', '2026-10-01T00:00:00Z'),
    overdue: await invoice(prisma, id, 'OVERDUE', '2026-10-01T00:00:00Z'),
  }

  const marked = await markOverdueInvoices(prisma, now)
  t.strictSame(marked.map((m) => m.id).sort(), Object.values(pastDue).map((i) => i.id).sort())
  t.match(marked.find((m) => m.id === pastDue.partial.id), {
    invoiceNumber: pastDue.partial.invoiceNumber,
    billingAccountId: id,
    userId: ada.user.id,
    amountDue: '4.5',
    currency: 'USD',
    dueDate: new Date('2026-11-25T11:59:59Z'),
  })
  for (const row of Object.values(pastDue)) t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: row.id } })).status, 'OVERDUE')
  for (const [name, row] of Object.entries(untouched)) {
    t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: row.id } })).status, row.status, `${name} keeps ${row.status}`)
  }

  const notes = await prisma.notification.findMany({ where: { userId: ada.user.id }, orderBy: { title: 'asc' } })
  t.equal(notes.length, 3, 'one notification per invoice marked')
  t.match(notes.find((n) => n.title === `Invoice ${pastDue.partial.invoiceNumber} is overdue`), {
    type: 'BILLING',
    priority: 'HIGH',
    message: '4.5 USD was due on 2026-11-25.',
  })

  t.strictSame(await markOverdueInvoices(prisma, now), [], 'a second run marks nothing')
  t.equal(await prisma.notification.count({ where: { userId: ada.user.id } }), 3, 'and tells nobody again')
})

t.test('two runs at once mark and notify each invoice once', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: true })
  const prisma = db.prisma
  const ada = await customer(prisma)
  for (let i = 0; i < 5; i++) await invoice(prisma, ada.account.id, 'SENT', '2026-11-01T00:00:00Z')
  const [a, b] = await Promise.all([markOverdueInvoices(prisma, now), markOverdueInvoices(prisma, now)])
  t.equal(a.length + b.length, 5)
  t.equal(await prisma.notification.count(), 5)
})
