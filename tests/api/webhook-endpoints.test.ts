import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey } from '../helpers/users.js'

const validBody = (overrides: Record<string, unknown> = {}) => ({
  url: 'https://hooks.example.com/did-edge',
  events: ['CALL_COMPLETED', 'SMS_RECEIVED'],
  ...overrides,
})

t.test('webhook endpoints API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const create = (auth: Record<string, string>, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/webhook-endpoints', headers: auth, payload })

  t.test('creating an endpoint answers 201 with the defaults and the secret, shown this once', async (t) => {
    const res = await create(alice.auth, validBody())
    t.equal(res.statusCode, 201)
    const created = res.json()
    t.match(created, {
      userId: alice.user.id,
      url: 'https://hooks.example.com/did-edge',
      events: ['CALL_COMPLETED', 'SMS_RECEIVED'],
      isActive: true,
      timeout: 30,
      retryPolicy: { maxAttempts: 5, backoffStrategy: 'exponential', initialDelay: 1000, maxDelay: 60000, retryOn: [408, 429, 500, 502, 503, 504] },
      deliveryCount: 0,
      failureCount: 0,
      lastDeliveryAt: null,
    })
    t.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    const stored = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } })
    t.equal(stored.secret, created.secret, 'kept as is: deliveries are signed with it')

    const one = await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${created.id}`, headers: alice.auth })
    t.equal(one.statusCode, 200)
    t.notOk('secret' in one.json(), 'GET never shows the secret')
    t.notMatch(one.body, created.secret.slice(6))
    const list = await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints', headers: alice.auth })
    t.notMatch(list.body, created.secret.slice(6), 'nor does the list')

    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: 'CREATE', resource: 'webhook_endpoint', resourceId: created.id } })
    t.equal(audit.userId, alice.user.id)
    t.notMatch(JSON.stringify(audit.newValues), created.secret.slice(6), 'the audit row has no secret')
    t.match(audit.newValues, { url: 'https://hooks.example.com/did-edge' })
  })

  t.test('a retry policy, timeout and isActive may be given; missing policy fields take the defaults', async (t) => {
    const res = await create(alice.auth, validBody({ retryPolicy: { maxAttempts: 3, backoffStrategy: 'linear', retryOn: [503] }, timeout: 5, isActive: false }))
    t.equal(res.statusCode, 201)
    t.match(res.json(), {
      timeout: 5,
      isActive: false,
      retryPolicy: { maxAttempts: 3, backoffStrategy: 'linear', initialDelay: 1000, maxDelay: 60000, retryOn: [503] },
    })
  })

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no events', { events: [] }, /^events: at least one event/],
    ['a repeated event', { events: ['CALL_STARTED', 'CALL_STARTED'] }, /^events: must not repeat an event/],
    ['an unknown event', { events: ['CALL_RINGING'] }, /^events\[0\]: /],
    ['a timeout of 0', { timeout: 0 }, /^timeout: must be at least 1 second/],
    ['a timeout over 30 s', { timeout: 31 }, /^timeout: must be at most 30 seconds/],
    ['more than 10 attempts', { retryPolicy: { maxAttempts: 11 } }, /^retryPolicy\.maxAttempts: must be at most 10/],
    ['an unknown strategy', { retryPolicy: { backoffStrategy: 'random' } }, /^retryPolicy\.backoffStrategy: /],
    ['a maxDelay below initialDelay', { retryPolicy: { initialDelay: 5000, maxDelay: 1000 } }, /^retryPolicy\.maxDelay: must not be less than initialDelay/],
    ['retryOn with a success status', { retryPolicy: { retryOn: [200] } }, /^retryPolicy\.retryOn\[0\]: must be an HTTP error status/],
    ['an unknown policy field', { retryPolicy: { jitter: true } }, /jitter/],
    ['plain http to another host', { url: 'http://hooks.example.com/' }, /^url: must use https/],
    ['a URL with credentials', { url: 'https://me:pw@hooks.example.com/' }, /^url: must not contain credentials/],
    ['not a URL', { url: 'hooks.example.com' }, /^url: must be an absolute http\(s\) URL/],
    ['a secret chosen by the client', { secret: 'whsec_bWluZQ==' }, /secret/],
  ]
  for (const [what, override, message] of invalid) {
    t.test(`${what} answers 400 naming the field and writes nothing`, async (t) => {
      const before = await prisma.webhookEndpoint.count()
      const res = await create(alice.auth, validBody(override))
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.equal(await prisma.webhookEndpoint.count(), before)
    })
  }

  t.test('http to loopback is allowed outside production, for local receivers', async (t) => {
    const res = await create(alice.auth, validBody({ url: 'http://127.0.0.1:8080/hook' }))
    t.equal(res.statusCode, 201)
  })

  t.test('PATCH changes the named fields, merges a retry policy onto the current one and checks a new URL', async (t) => {
    const { id } = (await create(alice.auth, validBody({ retryPolicy: { initialDelay: 2000 } }))).json()
    const patch = (payload: Record<string, unknown>) =>
      app.inject({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${id}`, headers: alice.auth, payload })
    const res = await patch({ events: ['INVOICE_PAID'], retryPolicy: { maxAttempts: 2 }, timeout: 10 })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { events: ['INVOICE_PAID'], timeout: 10, retryPolicy: { maxAttempts: 2, initialDelay: 2000, backoffStrategy: 'exponential' } })
    t.notOk('secret' in res.json())
    t.equal((await patch({ url: 'http://hooks.example.com/' })).statusCode, 400)
    t.equal((await patch({ retryPolicy: { maxDelay: 1000 } })).statusCode, 400, 'below the stored initialDelay')
    t.match((await patch({})).json().message, /name at least one field/)
    const url = await patch({ url: 'https://new.example.com/hook' })
    t.equal(url.json().url, 'https://new.example.com/hook')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: 'UPDATE', resource: 'webhook_endpoint', resourceId: id, success: true }, orderBy: { createdAt: 'asc' } })
    t.same(audit.oldValues, { events: ['CALL_COMPLETED', 'SMS_RECEIVED'], timeout: 30, retryPolicy: { maxAttempts: 5, backoffStrategy: 'exponential', initialDelay: 2000, maxDelay: 60000, retryOn: [408, 429, 500, 502, 503, 504] } })
  })

  t.test('DELETE answers 204 and removes the endpoint with its deliveries', async (t) => {
    const { id } = (await create(alice.auth, validBody())).json()
    await prisma.webhookDelivery.create({
      data: { webhookEndpointId: id, event: 'CALL_COMPLETED', payload: {}, status: 'DELIVERED', attemptCount: 1 },
    })
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${id}`, headers: alice.auth })
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${id}`, headers: alice.auth })).statusCode, 404)
    t.equal(await prisma.webhookDelivery.count({ where: { webhookEndpointId: id } }), 0)
  })

  t.test("another user's endpoint and deliveries answer 404 to every route; the list holds only the caller's", async (t) => {
    const { id } = (await create(alice.auth, validBody())).json()
    const delivery = await prisma.webhookDelivery.create({
      data: { webhookEndpointId: id, event: 'CALL_COMPLETED', payload: {}, status: 'FAILED', attemptCount: 1 },
    })
    const routes: Array<[string, string, Record<string, unknown>?]> = [
      ['GET', `/api/v1/webhook-endpoints/${id}`],
      ['PATCH', `/api/v1/webhook-endpoints/${id}`, { isActive: false }],
      ['DELETE', `/api/v1/webhook-endpoints/${id}`],
      ['POST', `/api/v1/webhook-endpoints/${id}/test`],
      ['GET', `/api/v1/webhook-endpoints/${id}/deliveries`],
      ['GET', `/api/v1/webhook-deliveries/${delivery.id}`],
      ['POST', `/api/v1/webhook-deliveries/${delivery.id}/redeliver`],
    ]
    for (const [method, url, payload] of routes) {
      const res = await app.inject({ method: method as 'GET', url, headers: bob.auth, ...(payload && { payload }) })
      t.equal(res.statusCode, 404, `${method} ${url}`)
      t.equal(res.json().code, 'NOT_FOUND')
    }
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } })
    t.equal(row.isActive, true, 'untouched')
    const list = (await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints', headers: bob.auth })).json()
    t.ok(list.data.every((e: { userId: string }) => e.userId === bob.user.id))
  })

  t.test('administrators see every endpoint; support reads but cannot change; a key without the permission gets 403', async (t) => {
    const { id } = (await create(alice.auth, validBody())).json()
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${id}`, headers: admin.auth })).statusCode, 200)
    const all = (await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints?limit=100', headers: admin.auth })).json()
    t.ok(all.data.some((e: { id: string }) => e.id === id))
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${id}`, headers: support.auth })).statusCode, 200)
    const supportPatch = await app.inject({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${id}`, headers: support.auth, payload: { isActive: false } })
    t.equal(supportPatch.statusCode, 403)
    const readOnly = await createUserWithKey(prisma, 'USER', ['read:numbers'])
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints', headers: readOnly.auth })).statusCode, 403)
    t.equal((await create(readOnly.auth, validBody())).statusCode, 403)
  })

  t.test('the list filters and pages; deliveries are listed newest first with filters and pages', async (t) => {
    const carol = await createUserWithKey(prisma)
    const ids: string[] = []
    for (const events of [['CALL_STARTED'], ['INVOICE_PAID'], ['CALL_STARTED', 'INVOICE_PAID']]) {
      ids.push((await create(carol.auth, validBody({ events }))).json().id)
    }
    const page = (await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints?limit=2&sortOrder=asc', headers: carol.auth })).json()
    t.same(page.pagination, { page: 1, limit: 2, total: 3, totalPages: 2, hasNext: true, hasPrevious: false })
    t.same(page.data.map((e: { id: string }) => e.id), ids.slice(0, 2))
    const invoices = (await app.inject({ method: 'GET', url: '/api/v1/webhook-endpoints?event=INVOICE_PAID', headers: carol.auth })).json()
    t.equal(invoices.pagination.total, 2)

    const endpointId = ids[0]!
    for (const [i, status] of (['DELIVERED', 'FAILED', 'DELIVERED'] as const).entries()) {
      await prisma.webhookDelivery.create({
        data: { webhookEndpointId: endpointId, event: 'CALL_STARTED', payload: { id: `evt_${i}` }, status, createdAt: new Date(Date.UTC(2026, 0, 1 + i)) },
      })
    }
    const deliveries = (await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${endpointId}/deliveries?limit=2`, headers: carol.auth })).json()
    t.same(deliveries.pagination, { page: 1, limit: 2, total: 3, totalPages: 2, hasNext: true, hasPrevious: false })
    t.same(deliveries.data.map((d: { payload: { id: string } }) => d.payload.id), ['evt_2', 'evt_1'])
    const failed = (await app.inject({ method: 'GET', url: `/api/v1/webhook-endpoints/${endpointId}/deliveries?status=FAILED`, headers: carol.auth })).json()
    t.same(failed.data.map((d: { status: string }) => d.status), ['FAILED'])
    const one = await app.inject({ method: 'GET', url: `/api/v1/webhook-deliveries/${failed.data[0].id}`, headers: carol.auth })
    t.match(one.json(), { id: failed.data[0].id, webhookEndpointId: endpointId, status: 'FAILED' })
  })

  t.test('a test delivery answers 202 with the queued delivery; an inactive endpoint answers 409', async (t) => {
    const { id } = (await create(alice.auth, validBody({ url: 'http://127.0.0.1:9/unreachable' }))).json()
    const res = await app.inject({ method: 'POST', url: `/api/v1/webhook-endpoints/${id}/test`, headers: alice.auth })
    t.equal(res.statusCode, 202)
    t.match(res.json(), { webhookEndpointId: id, event: 'CALL_STARTED', status: 'PENDING', payload: { event: 'CALL_STARTED', data: { test: true } } })
    const inactive = (await create(alice.auth, validBody({ isActive: false }))).json()
    const refused = await app.inject({ method: 'POST', url: `/api/v1/webhook-endpoints/${inactive.id}/test`, headers: alice.auth })
    t.equal(refused.statusCode, 409)
  })
})

t.test('in production, webhook URLs must be https and must not reach loopback, private or link-local addresses', async (t) => {
  const app = await buildTestApp(t, {
    NODE_ENV: 'production',
    JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
    TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
    PUBLIC_BASE_URL: 'https://edge.example.com',
    REQUIRE_EMAIL_VERIFICATION: 'false',
  })
  const alice = await createUserWithKey(app.db.prisma)
  const refused: Array<[string, RegExp]> = [
    ['http://127.0.0.1:8080/hook', /^url: must use https in production/],
    ['https://127.0.0.1/hook', /^url: must not target a loopback/],
    ['https://localhost/hook', /^url: host localhost resolves to a loopback/],
    ['https://10.1.2.3/hook', /^url: must not target a private/],
    ['https://169.254.169.254/latest/meta-data/', /^url: must not target a link-local/],
    ['https://[::1]/hook', /^url: must not target a loopback/],
  ]
  for (const [url, message] of refused) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/webhook-endpoints', headers: alice.auth, payload: { url, events: ['CALL_STARTED'] } })
    t.equal(res.statusCode, 400, url)
    t.match(res.json().message, message)
  }
  t.equal(await app.db.prisma.webhookEndpoint.count(), 0, 'nothing written')
})
