import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Principal } from '../../src/auth/principal.js'
import { ensureBillingAccount } from '../../src/billing/accounts.js'
import type { PaymentProcessor, PaymentProcessorRegistry } from '../../src/billing/payment-processor.js'
import { recordPayment, refundPayment } from '../../src/billing/payment-recording.js'
import { AppError } from '../../src/errors.js'
import type { Invoice, InvoiceStatus, WebhookEvent } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey } from '../helpers/users.js'

const DAY = 86_400_000

t.test('payments and refunds', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const base = '/api/v1/billing/payments'

  const pay = (auth: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url: base, headers: auth, payload: payload as object })
  const refund = (auth: Record<string, string>, id: string, amount: unknown) =>
    app.inject({ method: 'POST', url: `${base}/${id}/refund`, headers: auth, payload: { amount } })

  /** An issued invoice of `total` for the user, written as the invoices module would. */
  async function invoiceFor(userId: string, total = '100.0000', extra: { status?: InvoiceStatus; dueDate?: Date; amountPaid?: string } = {}): Promise<Invoice> {
    const account = await ensureBillingAccount(prisma, userId)
    const paid = extra.amountPaid ?? '0'
    return prisma.invoice.create({
      data: {
        invoiceNumber: `INV-TEST-${randomBytes(4).toString('hex')}`,
        billingAccountId: account.id,
        subtotalAmount: total,
        totalAmount: total,
        amountPaid: paid,
        amountDue: (Number(total) - Number(paid)).toFixed(4),
        status: extra.status ?? 'SENT',
        dueDate: extra.dueDate ?? new Date(Date.now() + 30 * DAY),
        periodStart: new Date('2026-10-01T00:00:00Z'),
        periodEnd: new Date('2026-11-01T00:00:00Z'),
        lineItems: [{ description: 'Monthly fee +14155550100', quantity: 1, unitPrice: total, totalPrice: total, type: 'MONTHLY_FEE' }],
      },
    })
  }
  async function orderFor(userId: string, total = '10.0000', status: 'COMPLETED' | 'CANCELLED' = 'COMPLETED') {
    return prisma.order.create({
      data: { orderNumber: `ORD-TEST-${randomBytes(4).toString('hex')}`, userId, status, subtotalAmount: total, totalAmount: total },
    })
  }
  /** A webhook endpoint of the user subscribed to the payment events (the receiver is never called here). */
  async function endpointFor(userId: string, events: WebhookEvent[] = ['PAYMENT_SUCCEEDED', 'PAYMENT_FAILED', 'INVOICE_PAID']) {
    return prisma.webhookEndpoint.create({
      data: { userId, url: 'http://127.0.0.1:9/hooks', events, secret: `whsec_${randomBytes(24).toString('base64')}`, retryPolicy: { maxAttempts: 1 } },
    })
  }
  const deliveries = async (endpointId: string, event: WebhookEvent) =>
    (await prisma.webhookDelivery.findMany({ where: { webhookEndpointId: endpointId, event }, orderBy: { createdAt: 'asc' } })).map(
      (d) => d.payload as { id: string; event: string; data: Record<string, unknown> },
    )
  const balance = async (userId: string) => (await prisma.billingAccount.findUniqueOrThrow({ where: { userId } })).accountBalance.toFixed(4)
  /** Everything a payment or refund may write, to show that a refusal wrote none of it. */
  const snapshot = async (userId: string, invoiceId?: string) => ({
    invoice: invoiceId === undefined ? null : await prisma.invoice.findUniqueOrThrow({ where: { id: invoiceId } }),
    account: await prisma.billingAccount.findUnique({ where: { userId } }),
    payments: await prisma.payment.findMany({ where: { billingAccount: { userId } }, orderBy: { id: 'asc' } }),
    notifications: await prisma.notification.count({ where: { userId } }),
    deliveries: await prisma.webhookDelivery.count({ where: { webhookEndpoint: { userId } } }),
  })
  const principal = async (userId: string): Promise<Principal> => ({
    user: await prisma.user.findUniqueOrThrow({ where: { id: userId } }),
    permissions: ['read:billing', 'write:billing'],
    via: { kind: 'apiKey', apiKeyId: 'test' },
  })

  t.test('a bank transfer in two parts: PARTIAL_PAYMENT, then PAID, with balance, events and notifications', async (t) => {
    const carol = await createUserWithKey(prisma)
    const endpoint = await endpointFor(carol.user.id)
    const invoice = await invoiceFor(carol.user.id, '100.0000')

    const first = await pay(admin.auth, { invoiceId: invoice.id, amount: '40', processor: 'BANK_TRANSFER', externalId: 'BANKREF-0001' })
    t.equal(first.statusCode, 201)
    t.match(first.json(), {
      kind: 'PAYMENT',
      invoiceId: invoice.id,
      orderId: null,
      amount: '40.0000',
      refundedAmount: '0.0000',
      currency: 'USD',
      status: 'SUCCEEDED',
      processor: 'BANK_TRANSFER',
      externalId: 'BANKREF-0001',
      description: `Invoice ${invoice.invoiceNumber}`,
    })
    t.ok(first.json().processedAt, 'processedAt is set')
    t.match(await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } }), { status: 'PARTIAL_PAYMENT', paidDate: null })
    const afterFirst = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.equal(afterFirst.amountPaid.toFixed(4), '40.0000')
    t.equal(afterFirst.amountDue.toFixed(4), '60.0000')
    t.equal(await balance(carol.user.id), '60.0000', 'the balance is what the issued invoices still owe')
    t.equal((await deliveries(endpoint.id, 'INVOICE_PAID')).length, 0, 'not paid yet')

    const second = await pay(admin.auth, { invoiceId: invoice.id, amount: '60.0000', processor: 'BANK_TRANSFER' })
    t.equal(second.statusCode, 201)
    t.match(second.json().externalId, /^manual_/, 'a generated reference when none is given')
    const paid = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.equal(paid.status, 'PAID')
    t.equal(paid.amountPaid.toFixed(4), '100.0000')
    t.equal(paid.amountDue.toFixed(4), '0.0000')
    t.ok(paid.paidDate, 'paidDate is set')
    t.equal(await balance(carol.user.id), '0.0000')

    const succeeded = await deliveries(endpoint.id, 'PAYMENT_SUCCEEDED')
    t.equal(succeeded.length, 2, 'one PAYMENT_SUCCEEDED delivery per payment')
    t.match(succeeded[0], { event: 'PAYMENT_SUCCEEDED', data: { paymentId: first.json().id, invoiceId: invoice.id, amount: '40.0000', currency: 'USD', status: 'SUCCEEDED' } })
    const invoicePaid = await deliveries(endpoint.id, 'INVOICE_PAID')
    t.equal(invoicePaid.length, 1, 'one INVOICE_PAID delivery, when it became PAID')
    t.match(invoicePaid[0]?.data, { invoiceId: invoice.id, invoiceNumber: invoice.invoiceNumber, totalAmount: '100.0000', amountPaid: '100.0000' })

    const notes = await prisma.notification.findMany({ where: { userId: carol.user.id }, orderBy: { createdAt: 'asc' } })
    t.equal(notes.length, 2, 'one notification per payment')
    t.match(notes, [
      { type: 'BILLING', title: 'Payment received', message: /40\.0000 USD/, channels: ['IN_APP', 'WEBHOOK'] },
      { type: 'BILLING', title: `Invoice ${invoice.invoiceNumber} paid`, channels: ['IN_APP', 'WEBHOOK'] },
    ])
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment', action: 'CREATE', resourceId: first.json().id } })
    t.match(audit, { userId: admin.user.id, success: true, newValues: { amount: '40.0000', status: 'SUCCEEDED' } })
  })

  t.test('without a subscribed endpoint, no delivery is queued and the notification is in-app only', async (t) => {
    const carol = await createUserWithKey(prisma)
    await endpointFor(carol.user.id, ['NUMBER_PURCHASED'])
    const invoice = await invoiceFor(carol.user.id, '5')
    t.equal((await pay(admin.auth, { invoiceId: invoice.id, amount: '5', processor: 'CREDIT' })).statusCode, 201)
    t.equal(await prisma.webhookDelivery.count({ where: { webhookEndpoint: { userId: carol.user.id } } }), 0)
    const notes = await prisma.notification.findMany({ where: { userId: carol.user.id } })
    t.equal(notes.length, 1)
    t.match(notes, [{ title: `Invoice ${invoice.invoiceNumber} paid`, channels: ['IN_APP'] }])
  })

  t.test('more than is due is refused (400, naming amount) and writes nothing', async (t) => {
    const carol = await createUserWithKey(prisma)
    await endpointFor(carol.user.id)
    const invoice = await invoiceFor(carol.user.id, '100')
    t.equal((await pay(admin.auth, { invoiceId: invoice.id, amount: '40', processor: 'BANK_TRANSFER' })).statusCode, 201)
    const before = await snapshot(carol.user.id, invoice.id)
    const res = await pay(admin.auth, { invoiceId: invoice.id, amount: '60.0001', processor: 'BANK_TRANSFER' })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'VALIDATION_FAILED', message: /^amount: 60\.0001 is more than the amount due \(60\.0000\)/ })
    t.same(await snapshot(carol.user.id, invoice.id), before, 'no payment, invoice, balance, event or notification changed')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment', action: 'CREATE', success: false }, orderBy: { createdAt: 'desc' } })
    t.match(audit.errorMessage, /more than the amount due/)
  })

  t.test('two payments at once cannot pay an invoice twice over', async (t) => {
    const carol = await createUserWithKey(prisma)
    const invoice = await invoiceFor(carol.user.id, '100')
    const answers = await Promise.all([
      pay(admin.auth, { invoiceId: invoice.id, amount: '60', processor: 'BANK_TRANSFER' }),
      pay(admin.auth, { invoiceId: invoice.id, amount: '60', processor: 'BANK_TRANSFER' }),
    ])
    t.same(answers.map((a) => a.statusCode).sort(), [201, 400])
    const stored = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.equal(stored.amountPaid.toFixed(4), '60.0000')
    t.equal(await prisma.payment.count({ where: { invoiceId: invoice.id } }), 1)
  })

  t.test('an invoice not open for payment is 409; so is a transfer reference recorded before', async (t) => {
    const carol = await createUserWithKey(prisma)
    for (const [status, message] of [['DRAFT', /not been issued/], ['PAID', /already paid/], ['CANCELLED', /CANCELLED/]] as const) {
      const invoice = await invoiceFor(carol.user.id, '20', { status, ...(status === 'PAID' && { amountPaid: '20' }) })
      const res = await pay(admin.auth, { invoiceId: invoice.id, amount: '1', processor: 'BANK_TRANSFER' })
      t.equal(res.statusCode, 409, `${status}: 409`)
      t.match(res.json().message, message)
    }
    const a = await invoiceFor(carol.user.id, '20')
    const b = await invoiceFor(carol.user.id, '20')
    t.equal((await pay(admin.auth, { invoiceId: a.id, amount: '5', processor: 'BANK_TRANSFER', externalId: 'BANKREF-77' })).statusCode, 201)
    const again = await pay(admin.auth, { invoiceId: b.id, amount: '5', processor: 'BANK_TRANSFER', externalId: 'BANKREF-77' })
    t.equal(again.statusCode, 409)
    t.match(again.json().message, /externalId is already recorded/)
    t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: b.id } })).amountPaid.toFixed(4), '0.0000')
    t.equal((await pay(admin.auth, { invoiceId: b.id, amount: '5', processor: 'CREDIT', externalId: 'BANKREF-77' })).statusCode, 201, 'another processor may use the same reference')
  })

  t.test('a malformed payment is refused with 400 naming the field', async (t) => {
    const invoice = await invoiceFor(alice.user.id, '10')
    const order = await orderFor(alice.user.id)
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['both invoiceId and orderId', { invoiceId: invoice.id, orderId: order.id, amount: '1', processor: 'BANK_TRANSFER' }, /^invoiceId: give exactly one of invoiceId and orderId/],
      ['neither', { amount: '1', processor: 'BANK_TRANSFER' }, /^invoiceId: give exactly one/],
      ['a zero amount', { invoiceId: invoice.id, amount: '0', processor: 'BANK_TRANSFER' }, /^amount: must be greater than 0/],
      ['a negative amount', { invoiceId: invoice.id, amount: '-1', processor: 'BANK_TRANSFER' }, /^amount: must be a decimal string/],
      ['five decimals', { invoiceId: invoice.id, amount: '1.00001', processor: 'BANK_TRANSFER' }, /^amount: /],
      ['a JSON number', { invoiceId: invoice.id, amount: 1.5, processor: 'BANK_TRANSFER' }, /^amount: /],
      ['no processor', { invoiceId: invoice.id, amount: '1' }, /^processor: /],
      ['an unknown field', { invoiceId: invoice.id, amount: '1', processor: 'BANK_TRANSFER', status: 'SUCCEEDED' }, /status/],
      ['a card processor that is not configured', { invoiceId: invoice.id, amount: '1', processor: 'STRIPE' }, /^processor: STRIPE is not configured/],
      ['PayPal, not configured either', { invoiceId: invoice.id, amount: '1', processor: 'PAYPAL' }, /^processor: PAYPAL is not configured/],
      ['a card number as the reference', { invoiceId: invoice.id, amount: '1', processor: 'BANK_TRANSFER', externalId: '4242424242424242' }, /^externalId: /],
    ]
    for (const [name, payload, message] of cases) {
      const res = await pay(admin.auth, payload)
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json().message, message, `${name}: ${res.json().message}`)
    }
    t.equal(await prisma.payment.count({ where: { OR: [{ invoiceId: invoice.id }, { orderId: order.id }] } }), 0)
  })

  t.test('who may record a payment: administrators for anyone; customers not by hand, and never for others', async (t) => {
    const invoice = await invoiceFor(alice.user.id, '50')
    const own = await pay(alice.auth, { invoiceId: invoice.id, amount: '50', processor: 'BANK_TRANSFER' })
    t.equal(own.statusCode, 403, 'a customer cannot mark their own invoice paid by a transfer nobody saw')
    t.match(own.json().message, /only administrators record BANK_TRANSFER payments/)
    t.equal((await pay(alice.auth, { invoiceId: invoice.id, amount: '50', processor: 'CREDIT' })).statusCode, 403, 'nor grant themselves credit')

    const foreign = await pay(bob.auth, { invoiceId: invoice.id, amount: '50', processor: 'BANK_TRANSFER' })
    t.equal(foreign.statusCode, 404, "another tenant's invoice is not found")
    t.equal(foreign.json().message, 'invoice not found')
    const order = await orderFor(alice.user.id)
    t.equal((await pay(bob.auth, { orderId: order.id, amount: '1', processor: 'BANK_TRANSFER' })).statusCode, 404, "nor is another tenant's order")
    t.equal((await pay(support.auth, { invoiceId: invoice.id, amount: '50', processor: 'BANK_TRANSFER' })).statusCode, 403, 'support records nothing')
    t.equal((await app.inject({ method: 'POST', url: base, payload: { invoiceId: invoice.id, amount: '50', processor: 'BANK_TRANSFER' } })).statusCode, 401)

    const bobsMethod = await app.inject({
      method: 'POST', url: '/api/v1/billing/payment-methods', headers: bob.auth,
      payload: { processor: 'BANK_TRANSFER', type: 'BANK_ACCOUNT', bankName: 'Bob Bank' },
    })
    const withBobs = await pay(admin.auth, { invoiceId: invoice.id, amount: '10', processor: 'BANK_TRANSFER', paymentMethodId: bobsMethod.json().id })
    t.equal(withBobs.statusCode, 404, "a method of another account is not found")
    t.equal(withBobs.json().message, 'payment method not found')
    const alicesMethod = await app.inject({
      method: 'POST', url: '/api/v1/billing/payment-methods', headers: alice.auth,
      payload: { processor: 'BANK_TRANSFER', type: 'BANK_ACCOUNT', bankName: 'Alice Bank' },
    })
    const mismatch = await pay(admin.auth, { invoiceId: invoice.id, amount: '10', processor: 'CREDIT', paymentMethodId: alicesMethod.json().id })
    t.equal(mismatch.statusCode, 400)
    t.match(mismatch.json().message, /^paymentMethodId: the method belongs to BANK_TRANSFER, not CREDIT/)
    t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).amountPaid.toFixed(4), '0.0000', 'nothing was paid')

    const byAdmin = await pay(admin.auth, { invoiceId: invoice.id, amount: '10', processor: 'BANK_TRANSFER', paymentMethodId: alicesMethod.json().id })
    t.equal(byAdmin.statusCode, 201)
    t.equal(byAdmin.json().paymentMethodId, alicesMethod.json().id)
  })

  t.test('refunds: part, more than remains refused with nothing changed, the rest; then nothing more', async (t) => {
    const carol = await createUserWithKey(prisma)
    const invoice = await invoiceFor(carol.user.id, '100')
    const payment = (await pay(admin.auth, { invoiceId: invoice.id, amount: '100', processor: 'BANK_TRANSFER' })).json()
    t.equal(await balance(carol.user.id), '0.0000')

    const part = await refund(admin.auth, payment.id, '30')
    t.equal(part.statusCode, 200)
    t.match(part.json(), { id: payment.id, status: 'PARTIAL_REFUND', amount: '100.0000', refundedAmount: '30.0000' })
    t.ok(part.json().refundedAt)
    t.match(part.json().refunds, [{ kind: 'REFUND', refundOf: payment.id, amount: '-30.0000', status: 'REFUNDED', invoiceId: invoice.id, refundedAmount: null }])
    let stored = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.match(stored, { status: 'PARTIAL_PAYMENT', paidDate: null })
    t.equal(stored.amountPaid.toFixed(4), '70.0000')
    t.equal(stored.amountDue.toFixed(4), '30.0000')
    t.equal(await balance(carol.user.id), '30.0000', 'the refunded part is owed again')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment', action: 'REFUND', resourceId: payment.id, success: true } })
    t.match(audit, { userId: admin.user.id, oldValues: { status: 'SUCCEEDED', refundedAmount: '0.0000' }, newValues: { status: 'PARTIAL_REFUND', refundedAmount: '30.0000' } })
    t.match(await prisma.notification.findFirst({ where: { userId: carol.user.id, title: 'Refund issued' } }), { type: 'BILLING', message: /30\.0000 USD/ })

    const before = await snapshot(carol.user.id, invoice.id)
    const over = await refund(admin.auth, payment.id, '70.0001')
    t.equal(over.statusCode, 400)
    t.match(over.json().message, /^amount: 70\.0001 is more than the refundable 70\.0000/)
    t.same(await snapshot(carol.user.id, invoice.id), before, 'a refused refund changes nothing')

    const rest = await refund(admin.auth, payment.id, '70')
    t.equal(rest.statusCode, 200)
    t.match(rest.json(), { status: 'REFUNDED', refundedAmount: '100.0000' })
    t.equal(rest.json().refunds.length, 2)
    stored = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.match(stored, { status: 'SENT', paidDate: null }, 'nothing paid remains and it is not due yet')
    t.equal(stored.amountPaid.toFixed(4), '0.0000')
    t.equal(stored.amountDue.toFixed(4), '100.0000')
    t.equal(await balance(carol.user.id), '100.0000')

    const more = await refund(admin.auth, payment.id, '1')
    t.equal(more.statusCode, 409)
    t.match(more.json().message, /REFUNDED payment cannot be refunded/)
    const ofRefund = await refund(admin.auth, rest.json().refunds[0].id, '1')
    t.equal(ofRefund.statusCode, 409, 'a refund row is not refundable')
    t.equal((await refund(admin.auth, 'no-such-payment', '1')).statusCode, 404)
    t.equal((await refund(admin.auth, payment.id, '0')).statusCode, 400)
  })

  t.test('a full refund of an invoice past its due date makes it OVERDUE', async (t) => {
    const carol = await createUserWithKey(prisma)
    const invoice = await invoiceFor(carol.user.id, '25', { status: 'OVERDUE', dueDate: new Date(Date.now() - 5 * DAY) })
    const payment = (await pay(admin.auth, { invoiceId: invoice.id, amount: '25', processor: 'BANK_TRANSFER' })).json()
    t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).status, 'PAID')
    t.equal((await refund(admin.auth, payment.id, '25')).statusCode, 200)
    t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).status, 'OVERDUE')
  })

  t.test('only administrators refund (403 for the customer, changing nothing)', async (t) => {
    const invoice = await invoiceFor(alice.user.id, '10')
    const payment = (await pay(admin.auth, { invoiceId: invoice.id, amount: '10', processor: 'BANK_TRANSFER' })).json()
    const before = await snapshot(alice.user.id, invoice.id)
    const res = await refund(alice.auth, payment.id, '10')
    t.equal(res.statusCode, 403)
    t.match(res.json().message, /only administrators refund payments/)
    t.equal((await refund(support.auth, payment.id, '10')).statusCode, 403)
    t.same(await snapshot(alice.user.id, invoice.id), before)
    t.match(await prisma.auditLog.findFirst({ where: { resource: 'payment', action: 'REFUND', userId: alice.user.id } }), { success: false, oldValues: null })
  })

  t.test("an order's payments set its paymentStatus", async (t) => {
    const carol = await createUserWithKey(prisma)
    const order = await orderFor(carol.user.id, '10.0000')
    const part = await pay(admin.auth, { orderId: order.id, amount: '4', processor: 'BANK_TRANSFER' })
    t.equal(part.statusCode, 201)
    t.equal(part.json().description, `Order ${order.orderNumber}`)
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paymentStatus, 'PENDING', 'part paid')
    const over = await pay(admin.auth, { orderId: order.id, amount: '6.0001', processor: 'BANK_TRANSFER' })
    t.equal(over.statusCode, 400)
    t.match(over.json().message, /amount due \(6\.0000\)/)
    const rest = (await pay(admin.auth, { orderId: order.id, amount: '6', processor: 'BANK_TRANSFER' })).json()
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paymentStatus, 'SUCCEEDED')
    t.equal((await refund(admin.auth, rest.id, '2')).statusCode, 200)
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paymentStatus, 'PARTIAL_REFUND')
    t.equal((await refund(admin.auth, rest.id, '4')).statusCode, 200)
    t.equal((await refund(admin.auth, part.json().id, '4')).statusCode, 200)
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paymentStatus, 'REFUNDED')
    const cancelled = await orderFor(carol.user.id, '10', 'CANCELLED')
    t.equal((await pay(admin.auth, { orderId: cancelled.id, amount: '1', processor: 'BANK_TRANSFER' })).statusCode, 409)
  })

  t.test('a declined charge is recorded as FAILED, announced, and applies nothing', async (t) => {
    const carol = await createUserWithKey(prisma)
    const endpoint = await endpointFor(carol.user.id)
    const invoice = await invoiceFor(carol.user.id, '30')
    const order = await orderFor(carol.user.id, '30')
    const declining: PaymentProcessor = {
      customerInitiated: true,
      charge: async () => ({ status: 'FAILED', externalId: 'ch_declined_1', externalStatus: 'card_declined', failureReason: 'insufficient funds' }),
      refund: async () => ({ status: 'FAILED', externalId: 're_1', failureReason: 'refunds disabled' }),
    }
    const processors: PaymentProcessorRegistry = { STRIPE: declining }
    const failed = await recordPayment({ prisma, processors }, await principal(carol.user.id), { invoiceId: invoice.id, amount: '30', processor: 'STRIPE' })
    t.match(failed, { status: 'FAILED', failureReason: 'insufficient funds', externalId: 'ch_declined_1', externalStatus: 'card_declined', processedAt: null })
    t.ok(failed.failedAt)
    const stored = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })
    t.equal(stored.status, 'SENT')
    t.equal(stored.amountPaid.toFixed(4), '0.0000')
    t.match(await deliveries(endpoint.id, 'PAYMENT_FAILED'), [{ data: { paymentId: failed.id, failureReason: 'insufficient funds', amount: '30.0000' } }])
    t.equal((await deliveries(endpoint.id, 'PAYMENT_SUCCEEDED')).length, 0)
    t.match(await prisma.notification.findFirst({ where: { userId: carol.user.id } }), { title: 'Payment failed', priority: 'HIGH', message: /insufficient funds/ })

    await recordPayment({ prisma, processors }, await principal(carol.user.id), { orderId: order.id, amount: '30', processor: 'STRIPE' })
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paymentStatus, 'FAILED')

    // A card processor pays a customer's own invoice; its declined refund leaves everything as it was.
    const accepting: PaymentProcessor = { ...declining, charge: async () => ({ status: 'SUCCEEDED', externalId: 'ch_ok_1' }) }
    const paid = await recordPayment({ prisma, processors: { STRIPE: accepting } }, await principal(carol.user.id), { invoiceId: invoice.id, amount: '30', processor: 'STRIPE' })
    t.equal(paid.status, 'SUCCEEDED')
    const before = await snapshot(carol.user.id, invoice.id)
    const refused = await refundPayment({ prisma, processors: { STRIPE: accepting } }, await principal(admin.user.id), paid.id, '10').then(
      () => null,
      (err: unknown) => err,
    )
    t.ok(refused instanceof AppError && refused.statusCode === 502, 'a declined refund is 502')
    t.match((refused as Error).message, /declined the refund: refunds disabled/)
    t.same(await snapshot(carol.user.id, invoice.id), before, 'and nothing is written')
  })

  t.test('payments are listed and read within tenancy, with their refunds', async (t) => {
    const dave = await createUserWithKey(prisma)
    const invoice = await invoiceFor(dave.user.id, '90')
    const ids: string[] = []
    for (const amount of ['10', '20', '30']) ids.push((await pay(admin.auth, { invoiceId: invoice.id, amount, processor: 'BANK_TRANSFER' })).json().id)
    await refund(admin.auth, ids[1]!, '5')
    const list = async (auth: Record<string, string>, query = '') => {
      const res = await app.inject({ method: 'GET', url: `${base}${query}`, headers: auth })
      t.equal(res.statusCode, 200, `GET ${query}`)
      return res.json()
    }
    const all = await list(dave.auth)
    t.equal(all.pagination.total, 4, 'three payments and one refund')
    t.ok(all.data.every((p: { billingAccountId: string }) => p.billingAccountId === all.data[0].billingAccountId), 'all of his account')
    t.match(all.data.find((p: { id: string }) => p.id === ids[1]), { status: 'PARTIAL_REFUND', refundedAmount: '5.0000' })
    const page = await list(dave.auth, '?limit=2&page=2&sortBy=amount&sortOrder=asc')
    t.same(page.data.map((p: { amount: string }) => p.amount), ['20.0000', '30.0000'], 'sorted by amount, second page')
    t.match(page.pagination, { page: 2, limit: 2, total: 4, totalPages: 2, hasNext: false, hasPrevious: true })
    t.same((await list(dave.auth, '?kind=REFUND')).data.map((p: { refundOf: string }) => p.refundOf), [ids[1]])
    t.equal((await list(dave.auth, '?status=PARTIAL_REFUND')).pagination.total, 1)
    t.equal((await list(bob.auth, `?invoiceId=${invoice.id}`)).pagination.total, 0, "bob sees none of dave's")
    t.equal((await list(bob.auth, `?userId=${dave.user.id}`)).pagination.total, 0, 'naming dave does not widen it')
    t.equal((await list(support.auth, `?userId=${dave.user.id}`)).pagination.total, 4, 'support sees them')
    t.equal((await app.inject({ method: 'GET', url: `${base}?status=PAID`, headers: dave.auth })).statusCode, 400, 'an unknown status is 400')

    const one = await app.inject({ method: 'GET', url: `${base}/${ids[1]}`, headers: dave.auth })
    t.equal(one.statusCode, 200)
    t.match(one.json(), { id: ids[1], refundedAmount: '5.0000', refunds: [{ amount: '-5.0000', refundOf: ids[1] }] })
    const hidden = await app.inject({ method: 'GET', url: `${base}/${ids[1]}`, headers: bob.auth })
    t.equal(hidden.statusCode, 404)
    t.equal(hidden.json().message, 'payment not found')
    t.equal((await app.inject({ method: 'GET', url: base })).statusCode, 401)
  })
})
