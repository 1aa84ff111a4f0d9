import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actsOnAllTenants } from '../../auth/access.js'
import { generateInvoices } from '../../billing/invoices/generate.js'
import { getInvoice, listInvoices, type InvoiceWithCustomer } from '../../billing/invoices/queries.js'
import { renderInvoiceHtml } from '../../billing/invoices/render-html.js'
import type { AppConfig } from '../../config.js'
import { forbidden } from '../../errors.js'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import {
  generateInvoicesBodySchema,
  generationResultSchema,
  invoiceListQuerySchema,
  invoiceSchema,
  toGenerationView,
  toInvoiceView,
} from './invoice-schemas.js'

/** The quality the Accept header gives a media type: its most specific matching range's (RFC 9110), 0 when none matches. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/')
  let best = { q: 0, specificity: -1 }
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1
    if (specificity <= best.specificity) continue
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    best = { q: Number.isFinite(q) ? q : 0, specificity }
  }
  return best.q
}

/** True when the client asks for text/html over JSON (a browser does; no header, or *\/*, keeps JSON). */
function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || !accept.toLowerCase().includes('text/html')) return false
  return quality(accept, 'text/html') > quality(accept, 'application/json')
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema }

const htmlBody = z.string().describe('A self-contained printable HTML page (print it, or save it as PDF, from a browser)')

function sendHtml(reply: FastifyReply, invoice: InvoiceWithCustomer) {
  return (
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-disposition', `inline; filename="${invoice.invoiceNumber}.html"`)
      // The page needs nothing but its own inline style: should escaping ever miss, no script runs.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(renderInvoiceHtml(invoice, invoice.billingAccount))
  )
}

const invoiceRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app, opts) => {
  const prisma = app.db.prisma
  const billing = opts.config.billing

  app.post(
    '/billing/invoices/generate',
    {
      config: { access: 'write:billing', audit: { action: 'CREATE', resource: 'invoice' } },
      schema: {
        summary: "Issue the invoices of a past month (administrators)",
        description:
          'One invoice per billing account and period: monthly fees of the numbers held during the period (prorated by ' +
          'UTC day for numbers bought or released during it), usage per type with a per-day breakdown, discounts, then ' +
          `tax on what is left. Invoices are numbered INV-YYYY-NNNNNN, due after the payment terms, and go DRAFT -> SENT ` +
          '(INVOICE_CREATED webhook, notification). Idempotent: an account already invoiced for the period is listed under ' +
          '`skipped` with its invoice, as are accounts with nothing to bill. The current and future months are refused.',
        tags: ['billing'],
        body: generateInvoicesBodySchema,
        response: { 200: generationResultSchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      if (!actsOnAllTenants(request.principal, 'write')) throw forbidden('only administrators issue invoices')
      const { period, billingAccountId, discounts } = request.body
      const result = await generateInvoices(prisma, { period, billingAccountId, discounts, billing })
      request.audit.newValues = {
        period,
        created: result.created.map((i) => ({ id: i.id, invoiceNumber: i.invoiceNumber, billingAccountId: i.billingAccountId, totalAmount: i.totalAmount.toFixed() })),
        skipped: result.skipped.length,
        failed: result.failed.length,
      }
      if (result.created.length === 1) request.audit.resourceId = result.created[0]!.id
      return toGenerationView(result)
    },
  )

  app.get(
    '/billing/invoices',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'Invoices, newest first',
        description: 'A user sees the invoices of their own billing account; administrators and support see all. Filters combine with AND.',
        tags: ['billing'],
        querystring: invoiceListQuerySchema,
        response: { 200: paginatedSchema(invoiceSchema), ...errors },
      },
    },
    async (request) => {
      const { rows, total } = await listInvoices(prisma, request.principal, request.query)
      return paginated(rows.map(toInvoiceView), request.query, total)
    },
  )

  app.get(
    '/billing/invoices/:id',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'One invoice',
        description: 'JSON, or the printable HTML invoice with `Accept: text/html` (as GET /billing/invoices/:id/html).',
        tags: ['billing'],
        params: idParamsSchema,
        response: {
          200: {
            description: 'The invoice',
            content: { 'application/json': { schema: invoiceSchema }, 'text/html': { schema: htmlBody } },
          },
          401: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      reply.header('vary', 'Accept')
      const invoice = await getInvoice(prisma, request.principal, request.params.id)
      if (prefersHtml(request.headers.accept)) return sendHtml(reply, invoice)
      return reply.send(toInvoiceView(invoice))
    },
  )

  app.get(
    '/billing/invoices/:id/html',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'One invoice as a printable HTML page',
        tags: ['billing'],
        params: idParamsSchema,
        response: {
          200: { description: 'The printable invoice', content: { 'text/html': { schema: htmlBody } } },
          401: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request, reply) => sendHtml(reply, await getInvoice(prisma, request.principal, request.params.id)),
  )
}

export default invoiceRoutes
