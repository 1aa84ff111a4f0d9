// Invoice numbers: INV-YYYY-NNNNNN, YYYY the year of issue (UTC), NNNNNN counting from 000001
// each year with no gaps, even with several generators running at once.
//
// How: inside the transaction that inserts the invoice, a transaction-scoped advisory lock per
// year serialises numbering; holding it, the highest number of the year is read and the next
// one taken. The lock is released by the same commit (or rollback) that makes the new number
// visible (or discards it), so no two transactions read the same maximum and a rolled-back
// invoice leaves no hole. The maximum is one descent of the unique index on invoice_number:
// the numbers of a year are fixed-width, so their text order is their numeric order (in the C
// collation and in the linguistic ones alike, as they share the "INV-YYYY-" prefix).
// Postgres's own sequences were ruled out: they are not transactional and leave gaps.
import { Prisma } from '../../generated/prisma/client.js'

type Tx = Prisma.TransactionClient

const DIGITS = 6
const MAX_SEQUENCE = 10 ** DIGITS - 1

export function formatInvoiceNumber(year: number, sequence: number): string {
  return `INV-${year}-${String(sequence).padStart(DIGITS, '0')}`
}

/** Takes the next number of `issueDate`'s year. Call inside the transaction that inserts it. */
export async function nextInvoiceNumber(tx: Tx, issueDate: Date): Promise<string> {
  const year = issueDate.getUTCFullYear()
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('did-edge:invoice-number'), ${year}::int)`
  const rows = await tx.$queryRaw<Array<{ invoice_number: string }>>`
    SELECT invoice_number FROM invoices
    WHERE invoice_number BETWEEN ${formatInvoiceNumber(year, 0)} AND ${formatInvoiceNumber(year, MAX_SEQUENCE)}
    ORDER BY invoice_number DESC
    LIMIT 1`
  const last = rows[0] === undefined ? 0 : Number(rows[0].invoice_number.slice(-DIGITS))
  if (last >= MAX_SEQUENCE) throw new Error(`invoice numbers of ${year} are exhausted (${formatInvoiceNumber(year, MAX_SEQUENCE)})`)
  return formatInvoiceNumber(year, last + 1)
}
