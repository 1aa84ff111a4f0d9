// The printable invoice: one self-contained HTML page (inline CSS, no script, no external
// resource), meant for the browser's "Print / Save as PDF". Every value that comes from the
// database, including friendly names, descriptions and addresses users typed, goes through
// escapeHtml: nothing a customer controls can become markup.
import type { Invoice } from '../../generated/prisma/client.js'
import { Prisma } from '../../generated/prisma/client.js'
import type { InvoiceLineItem } from './line-items.js'

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}

export interface InvoiceCustomer {
  company: string | null
  taxId: string | null
  vatNumber: string | null
  billingAddress: unknown
  user: { email: string; firstName: string; lastName: string; company: string | null }
}

/** Two decimals, or all four when there are (sub-cent usage rates): never rounded for display, so the page agrees with the JSON. */
function amount(value: Prisma.Decimal | string, currency: string): string {
  const d = new Prisma.Decimal(value)
  return `${d.decimalPlaces() > 2 ? d.toFixed() : d.toFixed(2)} ${currency}`
}

function day(date: Date | string): string {
  return new Date(date).toISOString().slice(0, 10)
}

/** The address lines, whatever the address's shape: its non-empty text fields in order. */
function addressLines(address: unknown): string[] {
  if (address === null || typeof address !== 'object' || Array.isArray(address)) return []
  return Object.values(address as Record<string, unknown>)
    .filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .map(String)
}

function lineRow(line: InvoiceLineItem, currency: string): string {
  const covers = line.period ? `${day(line.period.start)} – ${day(new Date(new Date(line.period.end).getTime() - 1))}` : ''
  const breakdown = line.details?.usageDetails?.breakdown ?? []
  const perDay = breakdown.length
    ? `<details><summary>${escapeHtml(breakdown.length)} day(s)</summary><table class="breakdown">${breakdown
        .map((d) => `<tr><td>${escapeHtml(d.date)}</td><td class="num">${escapeHtml(d.quantity)}</td><td class="num">${escapeHtml(amount(d.cost, currency))}</td></tr>`)
        .join('')}</table></details>`
    : ''
  return `<tr class="${escapeHtml(line.type)}">
<td>${escapeHtml(line.description)}${perDay}</td>
<td>${escapeHtml(covers)}</td>
<td class="num">${escapeHtml(line.quantity)}${line.details?.usageDetails ? ` ${escapeHtml(line.details.usageDetails.unit)}` : ''}</td>
<td class="num">${escapeHtml(amount(line.unitPrice, currency))}</td>
<td class="num">${escapeHtml(amount(line.totalPrice, currency))}</td>
</tr>`
}

export function renderInvoiceHtml(invoice: Invoice, customer: InvoiceCustomer): string {
  const lines = (Array.isArray(invoice.lineItems) ? invoice.lineItems : []) as unknown as InvoiceLineItem[]
  const c = invoice.currency
  const name = `${customer.user.firstName} ${customer.user.lastName}`.trim()
  const company = customer.company ?? customer.user.company
  const billTo = [name, company, ...addressLines(customer.billingAddress), customer.user.email]
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((v) => `${escapeHtml(v)}<br>`)
    .join('\n')
  const taxIds = [
    customer.taxId && `Tax ID: ${escapeHtml(customer.taxId)}`,
    customer.vatNumber && `VAT: ${escapeHtml(customer.vatNumber)}`,
  ].filter(Boolean).join('<br>')
  const lastDay = new Date(invoice.periodEnd.getTime() - 1)

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Invoice ${escapeHtml(invoice.invoiceNumber)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 52em; color: #111; }
h1 { font-size: 1.6em; margin: 0; }
.head { display: flex; justify-content: space-between; gap: 2em; margin-bottom: 2em; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4em .5em; border-bottom: 1px solid #ddd; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.totals { width: auto; margin-left: auto; margin-top: 1em; }
.totals th { text-align: right; }
.due { font-weight: bold; font-size: 1.1em; }
.breakdown td { border: 0; padding: 0 .5em; font-size: .9em; color: #555; }
.discount td { color: #064; }
@media print { details { display: none; } body { margin: 0; } }
</style>
</head>
<body>
<div class="head">
<div>
<h1>Invoice ${escapeHtml(invoice.invoiceNumber)}</h1>
<p>did-edge<br>Status: ${escapeHtml(invoice.status)}</p>
</div>
<table style="width:auto">
<tr><th>Issued</th><td>${escapeHtml(day(invoice.issueDate))}</td></tr>
<tr><th>Due</th><td>${escapeHtml(day(invoice.dueDate))}</td></tr>
<tr><th>Period</th><td>${escapeHtml(day(invoice.periodStart))} – ${escapeHtml(day(lastDay))}</td></tr>
${invoice.paymentTerms ? `<tr><th>Terms</th><td>${escapeHtml(invoice.paymentTerms)}</td></tr>` : ''}
</table>
</div>
<h2>Bill to</h2>
<p>${billTo}${taxIds ? `\n${taxIds}` : ''}</p>
<table>
<thead><tr><th>Description</th><th>Period</th><th class="num">Quantity</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead>
<tbody>
${lines.map((line) => lineRow(line, c)).join('\n')}
</tbody>
</table>
<table class="totals">
<tr><th>Subtotal</th><td class="num">${escapeHtml(amount(invoice.subtotalAmount, c))}</td></tr>
<tr><th>Discounts</th><td class="num">${escapeHtml(amount(invoice.discountAmount.neg(), c))}</td></tr>
<tr><th>Tax</th><td class="num">${escapeHtml(amount(invoice.taxAmount, c))}</td></tr>
<tr><th>Total</th><td class="num">${escapeHtml(amount(invoice.totalAmount, c))}</td></tr>
<tr><th>Paid</th><td class="num">${escapeHtml(amount(invoice.amountPaid, c))}</td></tr>
<tr class="due"><th>Amount due</th><td class="num">${escapeHtml(amount(invoice.amountDue, c))}</td></tr>
</table>
${invoice.notes ? `<p>${escapeHtml(invoice.notes)}</p>` : ''}
</body>
</html>
`
}
