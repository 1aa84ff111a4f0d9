import { randomUUID } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey } from '../helpers/users.js'

const BASE = 'https://edge.example.com'

t.test('POST /numbers/purchase', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: BASE, TAX_RATE: '0.0825' })
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const purchase = (payload: object, key: string = randomUUID(), auth: Record<string, string> = alice.auth) =>
    app.inject({ method: 'POST', url: '/api/v1/numbers/purchase', headers: { ...auth, 'idempotency-key': key }, payload })
  let next = 100
  /** Fresh numbers for sale at the fake, in San Francisco. */
  const forSale = (count: number) =>
    Array.from({ length: count }, () => {
      const phoneNumber = `+1415555${String(next++).padStart(4, '0')}`
      fake.addAvailable({ phoneNumber, friendlyName: phoneNumber, locality: 'San Francisco', region: 'CA' })
      return phoneNumber
    })
  const items = (order: { items: Array<Record<string, unknown>> }) =>
    order.items.map((i) => [i.itemType, i.quantity, i.unitPrice, i.totalPrice, i.itemId === null ? null : 'number'])

  t.test('three numbers with the second unavailable: PARTIAL, two numbers bought, totals recomputed by hand', async (t) => {
    const [first, second, third] = forSale(3) as [string, string, string]
    fake.unavailable.add(second)
    const res = await purchase({ phoneNumbers: [first, second, third], friendlyName: 'Sales', promotionCode: 'welcome10' })
    t.equal(res.statusCode, 201, res.body)
    const order = res.json()
    t.match(order, {
      orderNumber: /^ORD-\d{8}-[A-Z2-7]{6}$/,
      userId: alice.user.id,
      status: 'PARTIAL',
      currency: 'USD',
      promotionCode: 'WELCOME10',
      orderSource: 'api',
      cancellationReason: `1 of 3 number(s) could not be bought: ${second}: PhoneNumber requested is not available (Twilio error 21422)`,
    })
    t.ok(order.completedAt)
    // Delivered: two local numbers at 1.15 → subtotal 2.30; WELCOME10 takes 10 % → 0.23;
    // tax 8.25 % of 2.07 = 0.170775 → 0.17; total 2.30 + 0.17 - 0.23 = 2.24.
    t.match(order, { subtotalAmount: '2.3', discountAmount: '0.23', taxAmount: '0.17', totalAmount: '2.24' })
    t.same(items(order), [
      ['PHONE_NUMBER', 1, '0', '0', 'number'],
      ['MONTHLY_FEE', 1, '1.15', '1.15', 'number'],
      ['PHONE_NUMBER', 0, '0', '0', null],
      ['MONTHLY_FEE', 0, '1.15', '0', null],
      ['PHONE_NUMBER', 1, '0', '0', 'number'],
      ['MONTHLY_FEE', 1, '1.15', '1.15', 'number'],
      ['DISCOUNT', 1, '-0.23', '-0.23', null],
      ['TAX', 1, '0.17', '0.17', null],
    ])
    t.equal(order.items[2].description, `Phone number ${second} (local, US), not bought: PhoneNumber requested is not available (Twilio error 21422)`)
    t.match(order.items[2].metadata, { phoneNumber: second, purchase: 'FAILED', failure: { twilioCode: 21422, status: 400 } })
    const sum = order.items.reduce((s: number, i: { totalPrice: string }) => s + Math.round(Number(i.totalPrice) * 100), 0)
    t.equal(sum, 224, 'the items add up to the total')

    const numbers = await prisma.number.findMany({ where: { orderId: order.id }, orderBy: { phoneNumber: 'asc' } })
    t.same(numbers.map((n) => n.phoneNumber), [first, third])
    for (const n of numbers) {
      const atTwilio = fake.ownedByNumber(n.phoneNumber)!
      t.match(n, {
        userId: alice.user.id,
        status: 'ACTIVE',
        friendlyName: 'Sales',
        twilioSid: atTwilio.sid,
        twilioAccountSid: fake.accountSid,
        countryCode: 'US',
        areaCode: '415',
        numberType: 'LOCAL',
        capabilities: ['VOICE', 'SMS', 'MMS'],
        currency: 'USD',
        voiceUrl: `${BASE}/twilio/voice`,
        voiceFallbackUrl: `${BASE}/twilio/voice/fallback`,
        statusCallback: `${BASE}/twilio/voice/status`,
        smsUrl: `${BASE}/twilio/sms`,
      })
      t.equal(n.monthlyPrice.toString(), '1.15')
      t.equal(n.setupPrice?.toString(), '0')
      const [sent, ...again] = fake.purchasesOf(n.phoneNumber)
      t.equal(again.length, 0, 'bought once')
      t.match(sent?.form, {
        PhoneNumber: n.phoneNumber,
        FriendlyName: 'Sales',
        VoiceUrl: `${BASE}/twilio/voice`,
        VoiceMethod: 'POST',
        VoiceFallbackUrl: `${BASE}/twilio/voice/fallback`,
        StatusCallback: `${BASE}/twilio/voice/status`,
        SmsUrl: `${BASE}/twilio/sms`,
        SmsMethod: 'POST',
      })
      t.equal(atTwilio.voice_url, `${BASE}/twilio/voice`)
    }
    t.equal(fake.purchasesOf(second).length, 1, 'the unavailable number was asked for once')
    t.equal(fake.ownedByNumber(second), undefined)

    const stored = await prisma.order.findUniqueOrThrow({ where: { id: order.id } })
    t.equal(stored.totalAmount.toString(), stored.subtotalAmount.plus(stored.taxAmount).minus(stored.discountAmount).toString())
  })

  t.test('all numbers available: COMPLETED, with setup fee, tax, event, notification and audit', async (t) => {
    const [local] = forSale(1) as [string]
    fake.addAvailable({ phoneNumber: '+18005550142', kind: 'TollFree' })
    const endpoint = await prisma.webhookEndpoint.create({
      data: { userId: alice.user.id, url: 'https://hooks.example.com/a', secret: 'whsec_x', events: ['NUMBER_PURCHASED'], retryPolicy: {} },
    })
    const res = await purchase({ phoneNumbers: [local, '+18005550142'] })
    t.equal(res.statusCode, 201, res.body)
    const order = res.json()
    // 1.15 (local) + 2.15 (toll-free) + 5.00 (toll-free setup) = 8.30; tax 8.25 % = 0.68475 → 0.68.
    t.match(order, { status: 'COMPLETED', subtotalAmount: '8.3', discountAmount: '0', taxAmount: '0.68', totalAmount: '8.98', cancellationReason: null })
    t.same(items(order), [
      ['PHONE_NUMBER', 1, '0', '0', 'number'],
      ['MONTHLY_FEE', 1, '1.15', '1.15', 'number'],
      ['PHONE_NUMBER', 1, '0', '0', 'number'],
      ['MONTHLY_FEE', 1, '2.15', '2.15', 'number'],
      ['SETUP_FEE', 1, '5', '5', 'number'],
      ['TAX', 1, '0.68', '0.68', null],
    ])
    const tollFree = await prisma.number.findUniqueOrThrow({ where: { phoneNumber: '+18005550142' } })
    t.match(tollFree, { numberType: 'TOLL_FREE', orderId: order.id })
    t.equal(tollFree.setupPrice?.toString(), '5')

    const deliveries = await prisma.webhookDelivery.findMany({ where: { webhookEndpointId: endpoint.id } })
    t.equal(deliveries.length, 2, 'one NUMBER_PURCHASED per number')
    const payloads = deliveries.map((d) => d.payload as { data: { phoneNumber: string } })
    t.match(payloads.sort((a, b) => b.data.phoneNumber.localeCompare(a.data.phoneNumber)), [
      { event: 'NUMBER_PURCHASED', data: { phoneNumber: '+18005550142', orderId: order.id, numberType: 'TOLL_FREE' } },
      { event: 'NUMBER_PURCHASED', data: { phoneNumber: local, orderId: order.id, monthlyPrice: '1.15' } },
    ])
    const notification = await prisma.notification.findFirst({ where: { userId: alice.user.id, metadata: { path: ['orderId'], equals: order.id } } })
    t.match(notification, { type: 'BILLING', title: 'Numbers purchased', message: new RegExp(`${order.orderNumber}.*8\\.98 USD`) })
    const audit = await prisma.auditLog.findFirst({ where: { resource: 'order', resourceId: order.id } })
    t.match(audit, { action: 'CREATE', success: true, userId: alice.user.id, newValues: { orderNumber: order.orderNumber, status: 'COMPLETED' } })
  })

  t.test('a new number is routed at once: the routing cache forgets it was unknown', async (t) => {
    const [phoneNumber] = forSale(1) as [string]
    t.equal(await app.routingCache.load(phoneNumber), null, 'unknown before the purchase')
    t.equal(app.routingCache.peek(phoneNumber).kind, 'unknown', 'and remembered as unknown')
    t.equal((await purchase({ phoneNumbers: [phoneNumber] })).statusCode, 201)
    t.not(app.routingCache.peek(phoneNumber).kind, 'unknown', 'the negative entry is gone')
    const row = await prisma.number.findUniqueOrThrow({ where: { phoneNumber } })
    t.equal((await app.routingCache.load(phoneNumber))?.number.numberId, row.id)
  })

  t.test('no number available: FAILED, nothing charged, nothing recorded', async (t) => {
    const numbers = forSale(2)
    for (const n of numbers) fake.unavailable.add(n)
    const res = await purchase({ phoneNumbers: numbers })
    t.equal(res.statusCode, 201)
    const order = res.json()
    t.match(order, { status: 'FAILED', subtotalAmount: '0', taxAmount: '0', discountAmount: '0', totalAmount: '0', completedAt: null })
    t.ok(order.cancelledAt)
    t.match(order.cancellationReason, /^2 of 2 number\(s\) could not be bought/)
    t.ok(order.items.every((i: { totalPrice: string }) => i.totalPrice === '0'))
    t.equal(await prisma.number.count({ where: { orderId: order.id } }), 0)
    const notification = await prisma.notification.findFirst({ where: { metadata: { path: ['orderId'], equals: order.id } } })
    t.equal(notification?.title, 'Number purchase failed')
  })

  t.test('Twilio not answering the purchase of a number it never bought marks that number failed', async (t) => {
    const [phoneNumber] = forSale(1) as [string]
    fake.fail({ method: 'POST', path: /IncomingPhoneNumbers\.json$/, hangUp: true, times: 1 })
    const res = await purchase({ phoneNumbers: [phoneNumber] })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { status: 'FAILED', cancellationReason: /socket hang up|ECONNRESET/ })
    t.equal(fake.requestsTo('GET', /IncomingPhoneNumbers\.json$/).filter((r) => r.query.PhoneNumber === phoneNumber).length, 1, 'Twilio was asked whether it was bought')
  })

  t.test('refused before anything is written or bought', async (t) => {
    const [phoneNumber] = forSale(1) as [string]
    const registered = await prisma.number.create({
      data: {
        phoneNumber: '+14155559999', twilioSid: `PN${'9'.repeat(32)}`, twilioAccountSid: fake.accountSid, countryCode: 'US',
        numberType: 'LOCAL', monthlyPrice: '1', userId: alice.user.id,
      },
    })
    const cases: Array<[string, () => ReturnType<typeof purchase>, number, RegExp]> = [
      ['no Idempotency-Key', () => app.inject({ method: 'POST', url: '/api/v1/numbers/purchase', headers: alice.auth, payload: { phoneNumbers: [phoneNumber] } }), 400, /^headers\.idempotency-key: the Idempotency-Key header is required/],
      ['an Idempotency-Key over 200 characters', () => purchase({ phoneNumbers: [phoneNumber] }, 'k'.repeat(201)), 400, /^headers\.idempotency-key: must be at most 200 characters/],
      ['no numbers', () => purchase({ phoneNumbers: [] }), 400, /^phoneNumbers: give at least one number/],
      ['eleven numbers', () => purchase({ phoneNumbers: Array.from({ length: 11 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`) }), 400, /^phoneNumbers: at most 10 numbers/],
      ['a repeated number', () => purchase({ phoneNumbers: [phoneNumber, phoneNumber] }), 400, /^phoneNumbers: must not repeat a number/],
      ['a number that is not E.164', () => purchase({ phoneNumbers: ['4155550100'] }), 400, /^phoneNumbers\[0\]: must be an E\.164 number/],
      ['a number of no known country', () => purchase({ phoneNumbers: [phoneNumber, '+99912345678'] }), 400, /^phoneNumbers\[1\]: \+99912345678 is not a number of a known country/],
      ['an unknown promotion code', () => purchase({ phoneNumbers: [phoneNumber], promotionCode: 'FREE100' }), 400, /^promotionCode: unknown promotion code "FREE100"/],
      ['a bad billing address', () => purchase({ phoneNumbers: [phoneNumber], billingAddress: { city: 'Paris' } }), 400, /^billingAddress\./],
      ['an unknown field', () => purchase({ phoneNumbers: [phoneNumber], userId: 'x' }), 400, /Unrecognized key: "userId"/],
      ['a number already in did-edge', () => purchase({ phoneNumbers: [phoneNumber, registered.phoneNumber] }), 409, /\+14155559999 is already registered in did-edge/],
      ['a type Twilio lists no price for', () => purchase({ phoneNumbers: ['+447400123456'] }), 502, /20404/],
    ]
    const orders = await prisma.order.count()
    const posts = fake.requestsTo('POST', /IncomingPhoneNumbers\.json$/).length
    for (const [what, send, status, message] of cases) {
      const res = await send()
      t.equal(res.statusCode, status, what)
      t.match(res.json().message, message, what)
    }
    t.equal(await prisma.order.count(), orders, 'no order written')
    t.equal(fake.requestsTo('POST', /IncomingPhoneNumbers\.json$/).length, posts, 'nothing bought')
  })

  t.test('a number type without a Twilio price answers 400 naming the number', async (t) => {
    fake.prices.set('GB', { country: 'United Kingdom', priceUnit: 'GBP', prices: [{ numberType: 'local', basePrice: '1', currentPrice: '1' }] })
    const res = await purchase({ phoneNumbers: ['+447400123456'] })
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /^phoneNumbers\[0\]: Twilio lists no monthly price for mobile numbers in GB/)
  })

  t.test('support (read-only) and keys without write:numbers get 403', async (t) => {
    const support = await createUserWithKey(prisma, 'SUPPORT')
    const readOnly = await createUserWithKey(prisma, 'USER', ['read:numbers', 'read:billing'])
    const [phoneNumber] = forSale(1) as [string]
    t.equal((await purchase({ phoneNumbers: [phoneNumber] }, randomUUID(), support.auth)).statusCode, 403)
    t.equal((await purchase({ phoneNumbers: [phoneNumber] }, randomUUID(), readOnly.auth)).statusCode, 403)
    t.equal(fake.purchasesOf(phoneNumber).length, 0)
  })
})

t.test('without Twilio configured a purchase answers 503 and writes nothing', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/numbers/purchase',
    headers: { ...alice.auth, 'idempotency-key': 'k1' },
    payload: { phoneNumbers: ['+14155550100'] },
  })
  t.equal(res.statusCode, 503)
  t.equal(await app.db.prisma.order.count(), 0)
})
