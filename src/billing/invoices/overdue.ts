// Unpaid invoices past their due date become OVERDUE. Run daily (see the CLI's --mark-overdue).
// One UPDATE ... RETURNING does the marking, so two runs at once (two instances, a cron and an
// operator) cannot both mark, or both notify about, the same invoice: the second one's UPDATE
// waits on the first's row locks, re-reads the status and skips the row.
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js'
import { createNotification } from '../../notifications/notify.js'

export interface OverdueInvoice {
  id: string
  invoiceNumber: string
  billingAccountId: string
  userId: string
  amountDue: string
  currency: string
  dueDate: Date
}

/** The statuses of an invoice the customer still has to pay. */
export const UNPAID_STATUSES = ['SENT', 'VIEWED', 'PARTIAL_PAYMENT'] as const

/** Marks SENT / VIEWED / PARTIAL_PAYMENT invoices due before `now` with money still due OVERDUE; returns them. */
export async function markOverdueInvoices(prisma: PrismaClient, now: Date = new Date()): Promise<OverdueInvoice[]> {
  return prisma.$transaction(async (tx) => {
    // Instants travel as ISO text cast to timestamp(3), the UTC columns' type (see src/ingest/sql-values.ts).
    const at = now.toISOString()
    const marked = await tx.$queryRaw<Array<Omit<OverdueInvoice, 'dueDate'> & { dueDate: string }>>`
      UPDATE invoices AS i
      SET status = 'OVERDUE', updated_at = ${at}::timestamp(3)
      FROM billing_accounts AS b
      WHERE b.id = i.billing_account_id
        AND i.status IN ('SENT', 'VIEWED', 'PARTIAL_PAYMENT')
        AND i.due_date < ${at}::timestamp(3)
        AND i.amount_due > 0
      RETURNING i.id, i.invoice_number AS "invoiceNumber", i.billing_account_id AS "billingAccountId", b.user_id AS "userId",
                i.amount_due::text AS "amountDue", i.currency,
                to_char(i.due_date, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "dueDate"`
    // numeric::text keeps the column's scale ("12.3400"); amounts read as elsewhere in the API ("12.34").
    const invoices = marked.map((m) => ({ ...m, amountDue: new Prisma.Decimal(m.amountDue).toFixed(), dueDate: new Date(m.dueDate) }))
    for (const invoice of invoices) {
      await createNotification(tx, {
        userId: invoice.userId,
        type: 'BILLING',
        priority: 'HIGH',
        title: `Invoice ${invoice.invoiceNumber} is overdue`,
        message: `${invoice.amountDue} ${invoice.currency} was due on ${invoice.dueDate.toISOString().slice(0, 10)}.`,
        category: 'invoice',
        actionUrl: `/api/v1/billing/invoices/${invoice.id}`,
        actionText: 'View invoice',
        metadata: { invoiceId: invoice.id, invoiceNumber: invoice.invoiceNumber, amountDue: invoice.amountDue },
      })
    }
    return invoices
  })
}
