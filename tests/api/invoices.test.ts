// Invoices through the API: administrators issue them, customers read their own (JSON or a
// printable HTML page), nobody reads another tenant's.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createTenants } from '../helpers/users.js'
import { customer, heldNumber, usageRow } from '../billing/invoice-support.js'

t.test('invoices API', async (t) => {
  const app = await buildTestApp(t, { TAX_RATE: '0.0825', PAYMENT_TERMS_DAYS: '30' })
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const year = new Date().getUTCFullYear()

  const aliceAccount = await prisma.billingAccount.create({
    data: { userId: alice.user.id, company: 'Alice & Co', billingAddress: { line1: '1 Main St', city: 'Springfield <IL>' } },
  })
  const bobAccount = await prisma.billingAccount.create({ data: { userId: bob.user.id, billingAddress: {} } })
  const idle = await customer(prisma, 'Idle')
  await heldNumber(prisma, alice.user.id, { purchasedAt: '2026-01-01T00:00:00Z', monthlyPrice: '2', friendlyName: '<script>alert("x")</script>' })
  await heldNumber(prisma, bob.user.id, { purchasedAt: '2026-10-17T00:00:00Z', monthlyPrice: '3.1' })
  await prisma.usageRecord.createMany({ data: [usageRow(aliceAccount.id, 'VOICE_MINUTES', '2026-10-05T10:00:00Z', '4', '0.013', '0.052')] })

  const generate = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/billing/invoices/generate', headers, payload: payload as object })
  const get = (headers: Record<string, string>, url: string, extra: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/api/v1/billing/invoices${url}`, headers: { ...headers, ...extra } })

  t.test('a user may not issue invoices, not even their own', async (t) => {
    const res = await generate(alice.auth, { period: '2026-10', billingAccountId: aliceAccount.id })
    t.equal(res.statusCode, 403)
    t.match(res.json(), { code: 'FORBIDDEN', message: 'only administrators issue invoices' })
    t.equal((await generate(support.auth, { period: '2026-10' })).statusCode, 403, 'nor may support')
    t.equal(await prisma.invoice.count(), 0)
  })

  t.test('bad requests are refused with a 400 naming the field, and nothing is issued', async (t) => {
    const cases: Array<[unknown, RegExp]> = [
      [{ period: '2026-13' }, /^period: /],
      [{ period: '10/2026' }, /^period: /],
      [{}, /^period: /],
      [{ period: '2099-01' }, /^period: 2099-01 has not ended yet/],
      [{ period: '2026-10', discounts: [{ description: 'Promo', percent: '10' }] }, /^discounts: /],
      [{ period: '2026-10', billingAccountId: aliceAccount.id, discounts: [{ description: 'Both', percent: '10', amount: '1' }] }, /^discounts\[0\]: give exactly one of amount or percent/],
      [{ period: '2026-10', billingAccountId: aliceAccount.id, discounts: [{ description: 'Too much', percent: '150' }] }, /^discounts\[0\]\.percent: must be a percentage/],
      [{ period: '2026-10', extra: true }, /extra/],
    ]
    for (const [payload, message] of cases) {
      const res = await generate(admin.auth, payload)
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.match(res.json(), { code: 'VALIDATION_FAILED', message }, JSON.stringify(payload))
    }
    const unknown = await generate(admin.auth, { period: '2026-10', billingAccountId: 'no-such-account' })
    t.equal(unknown.statusCode, 404)
    t.match(unknown.json(), { code: 'NOT_FOUND', message: 'billing account not found' })
    t.equal(await prisma.invoice.count(), 0)
  })

  let aliceInvoice: { id: string; invoiceNumber: string } = { id: '', invoiceNumber: '' }
  let bobInvoice: { id: string; invoiceNumber: string } = { id: '', invoiceNumber: '' }

  t.test('an administrator issues a month: one invoice per account with something to bill', async (t) => {
    const res = await generate(admin.auth, { period: '2026-10' })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.equal(body.period, '2026-10')
    t.strictSame(body.created.map((i: { billingAccountId: string }) => i.billingAccountId), [aliceAccount.id, bobAccount.id])
    t.strictSame(body.skipped, [{ billingAccountId: idle.account.id, reason: 'NOTHING_TO_BILL', message: 'no number held and no usage in 2026-10' }])
    t.strictSame(body.failed, [])
    ;[aliceInvoice, bobInvoice] = body.created
    // Alice: 2 + 0.052 = 2.052; tax 2.052 x 0.0825 = 0.16929 -> 0.1693; total 2.2213.
    t.match(body.created[0], {
      invoiceNumber: `INV-${year}-000001`,
      period: '2026-10',
      status: 'SENT',
      currency: 'USD',
      subtotalAmount: '2.052',
      taxAmount: '0.1693',
      discountAmount: '0',
      totalAmount: '2.2213',
      amountPaid: '0',
      amountDue: '2.2213',
      paymentTerms: 'Net 30',
      periodStart: '2026-10-01T00:00:00.000Z',
      periodEnd: '2026-11-01T00:00:00.000Z',
      paidDate: null,
    })
    t.equal(new Date(body.created[0].dueDate).getTime() - new Date(body.created[0].issueDate).getTime(), 30 * 86_400_000, 'due 30 days after issue')
    t.strictSame(body.created[0].lineItems.map((l: { type: string; totalPrice: string }) => [l.type, l.totalPrice]), [
      ['subscription', '2'],
      ['usage', '0.052'],
      ['tax', '0.1693'],
    ])
    // Bob: bought 17 October, 15 of 31 days: 3.1 x 15 / 31 = 1.5; tax 0.12375 -> 0.1238.
    t.match(body.created[1], { invoiceNumber: `INV-${year}-000002`, subtotalAmount: '1.5', taxAmount: '0.1238', totalAmount: '1.6238' })

    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'invoice', action: 'CREATE', userId: admin.user.id, success: true } })
    t.match(audit.newValues, { period: '2026-10', created: [{ invoiceNumber: `INV-${year}-000001` }, { invoiceNumber: `INV-${year}-000002` }], skipped: 1 })

    const again = await generate(admin.auth, { period: '2026-10' })
    t.strictSame(again.json().created, [], 'a second call issues nothing')
    t.match(again.json().skipped, [
      { billingAccountId: aliceAccount.id, reason: 'ALREADY_INVOICED', invoiceId: aliceInvoice.id, invoiceNumber: aliceInvoice.invoiceNumber },
      { billingAccountId: bobAccount.id, reason: 'ALREADY_INVOICED', invoiceId: bobInvoice.id },
      { billingAccountId: idle.account.id, reason: 'NOTHING_TO_BILL' },
    ])
    t.equal(await prisma.invoice.count(), 2)
  })

  t.test('one account can be issued with discounts', async (t) => {
    const res = await generate(admin.auth, {
      period: '2026-09',
      billingAccountId: aliceAccount.id,
      discounts: [{ description: 'Welcome', percent: 25 }, { description: 'Credit', amount: '0.25' }],
    })
    t.equal(res.statusCode, 200, res.body)
    // 2 - 0.5 - 0.25 = 1.25 taxable; tax 0.103125 -> 0.1031; total 2 + 0.1031 - 0.75 = 1.3531.
    t.match(res.json().created[0], {
      invoiceNumber: `INV-${year}-000003`,
      period: '2026-09',
      subtotalAmount: '2',
      discountAmount: '0.75',
      taxAmount: '0.1031',
      totalAmount: '1.3531',
    })
    t.strictSame(res.json().created[0].lineItems.filter((l: { type: string }) => l.type === 'discount').map((l: { description: string; totalPrice: string }) => [l.description, l.totalPrice]), [
      ['Welcome (25%)', '-0.5'],
      ['Credit', '-0.25'],
    ])
  })

  t.test('each user lists only their own invoices, newest first; administrators and support list all', async (t) => {
    const numbers = (res: { json: () => { data: Array<{ invoiceNumber: string }> } }) => res.json().data.map((i) => i.invoiceNumber)
    const mine = await get(alice.auth, '')
    t.equal(mine.statusCode, 200)
    t.strictSame(numbers(mine), [`INV-${year}-000003`, `INV-${year}-000001`])
    t.match(mine.json().pagination, { total: 2, page: 1 })
    t.strictSame(numbers(await get(bob.auth, '')), [`INV-${year}-000002`])
    t.strictSame(numbers(await get(admin.auth, '')), [`INV-${year}-000003`, `INV-${year}-000002`, `INV-${year}-000001`])
    t.strictSame(numbers(await get(support.auth, '?period=2026-10&sortBy=invoiceNumber&sortOrder=asc')), [`INV-${year}-000001`, `INV-${year}-000002`])
    t.strictSame(numbers(await get(alice.auth, '?period=2026-09')), [`INV-${year}-000003`])
    t.strictSame(numbers(await get(alice.auth, `?billingAccountId=${bobAccount.id}`)), [], "a filter never reaches another tenant's rows")
    t.strictSame(numbers(await get(admin.auth, '?status=PAID,OVERDUE')), [])
    t.strictSame(numbers(await get(admin.auth, '?status=SENT&limit=1&page=2')), [`INV-${year}-000002`])
    const bad = await get(alice.auth, '?status=LOST')
    t.equal(bad.statusCode, 400)
    t.match(bad.json().message, /^querystring\.status\[0\]: /)
  })

  t.test("an invoice reads as JSON by its owner, and as not found by another tenant", async (t) => {
    const own = await get(alice.auth, `/${aliceInvoice.id}`)
    t.equal(own.statusCode, 200)
    t.match(own.headers['content-type'], /application\/json/)
    t.equal(own.json().invoiceNumber, aliceInvoice.invoiceNumber)
    t.match(own.json().lineItems[1], { type: 'usage', details: { usageDetails: { unit: 'minutes', breakdown: [{ date: '2026-10-05', quantity: '4', cost: '0.052' }] } } })

    for (const url of [`/${aliceInvoice.id}`, `/${aliceInvoice.id}/html`]) {
      const other = await get(bob.auth, url)
      t.equal(other.statusCode, 404, url)
      t.match(other.json(), { code: 'NOT_FOUND', message: 'invoice not found' })
    }
    t.equal((await get(support.auth, `/${aliceInvoice.id}`)).statusCode, 200, 'support reads every tenant')
    t.equal((await get(alice.auth, '/no-such-invoice')).statusCode, 404)
  })

  t.test('the printable invoice escapes everything a customer typed', async (t) => {
    const res = await get(alice.auth, `/${aliceInvoice.id}/html`)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
    t.match(res.headers['content-security-policy'], /default-src 'none'/)
    t.match(res.headers['content-disposition'], `inline; filename="${aliceInvoice.invoiceNumber}.html"`)
    const html = res.body
    t.notMatch(html, /<script/i, 'no script element')
    t.match(html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;', 'the friendly name is shown, escaped')
    t.match(html, 'Alice &amp; Co')
    t.match(html, 'Springfield &lt;IL&gt;')
    t.match(html, `Invoice ${aliceInvoice.invoiceNumber}`)
    t.match(html, '2.2213 USD')

    const negotiated = await get(alice.auth, `/${aliceInvoice.id}`, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })
    t.match(negotiated.headers['content-type'], /^text\/html/)
    t.equal(negotiated.body, html, 'Accept: text/html gets the same page')
    const json = await get(alice.auth, `/${aliceInvoice.id}`, { accept: 'application/json, text/html;q=0.5' })
    t.match(json.headers['content-type'], /application\/json/)
  })
})
