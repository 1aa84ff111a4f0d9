// Reading invoices, within what the principal may see. Invoice has no owner column: an invoice
// belongs to the owner of its billing account.
import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { notFound } from '../../errors.js'
import type { Invoice, InvoiceStatus, Prisma, PrismaClient } from '../../generated/prisma/client.js'
import { pageWindow } from '../../api/pagination.js'
import { billingPeriod } from './period.js'

export interface InvoiceListQuery {
  page: number
  limit: number
  sortBy: 'issueDate' | 'dueDate' | 'totalAmount' | 'invoiceNumber'
  sortOrder: 'asc' | 'desc'
  status?: InvoiceStatus[]
  /** "YYYY-MM": invoices of that billing period. */
  period?: string
  billingAccountId?: string
}

function tenancy(principal: Principal): Prisma.InvoiceWhereInput {
  const { userId } = ownedRows(principal, 'read')
  return userId === undefined ? {} : { billingAccount: { userId } }
}

export function invoiceListWhere(principal: Principal, query: InvoiceListQuery): Prisma.InvoiceWhereInput {
  const where: Prisma.InvoiceWhereInput = tenancy(principal)
  if (query.status !== undefined) where.status = { in: query.status }
  if (query.period !== undefined) where.periodStart = billingPeriod(query.period).start
  // A filter never widens tenancy: another tenant's account id simply matches nothing.
  if (query.billingAccountId !== undefined) where.billingAccountId = query.billingAccountId
  return where
}

/** One page of invoices, newest first by default; the id breaks ties so pages never overlap. */
export async function listInvoices(prisma: PrismaClient, principal: Principal, query: InvoiceListQuery): Promise<{ rows: Invoice[]; total: number }> {
  const where = invoiceListWhere(principal, query)
  const orderBy: Prisma.InvoiceOrderByWithRelationInput[] = [{ [query.sortBy]: query.sortOrder }, { id: query.sortOrder }]
  const [rows, total] = await Promise.all([
    prisma.invoice.findMany({ where, orderBy, ...pageWindow(query) }),
    prisma.invoice.count({ where }),
  ])
  return { rows, total }
}

const withCustomer = {
  billingAccount: { include: { user: { select: { id: true, email: true, firstName: true, lastName: true, company: true } } } },
} as const satisfies Prisma.InvoiceInclude

export type InvoiceWithCustomer = Prisma.InvoiceGetPayload<{ include: typeof withCustomer }>

/** An invoice the principal may read, with its account and the account's owner (for the printable form); else NOT_FOUND. */
export async function getInvoice(prisma: PrismaClient, principal: Principal, id: string): Promise<InvoiceWithCustomer> {
  const invoice = await prisma.invoice.findFirst({ where: { id, ...tenancy(principal) }, include: withCustomer })
  if (invoice === null) throw notFound('invoice')
  return invoice
}
