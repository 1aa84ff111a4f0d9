import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { buildTestApp, productionEnv } from '../helpers/app.js'

/** Every route of the management API, as the issues list them: the document must show each. */
const API_ROUTES = [
  'POST /auth/register',
  'POST /auth/verify-email',
  'POST /auth/verify-email/resend',
  'POST /auth/password-reset/request',
  'POST /auth/password-reset/confirm',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
  'GET /auth/sessions',
  'DELETE /auth/sessions/{id}',
  'POST /api-keys',
  'GET /api-keys',
  'DELETE /api-keys/{id}',
  'GET /users/me',
  'PATCH /users/me',
  'GET /users',
  'GET /users/{id}',
  'PATCH /users/{id}',
  'POST /users/{id}/suspend',
  'POST /users/{id}/unsuspend',
  'GET /numbers',
  'POST /numbers',
  'GET /numbers/{id}',
  'PATCH /numbers/{id}',
  'GET /numbers/{id}/configurations',
  'POST /numbers/{id}/configurations',
  'GET /numbers/{id}/configurations/{configId}',
  'PATCH /numbers/{id}/configurations/{configId}',
  'DELETE /numbers/{id}/configurations/{configId}',
  'POST /numbers/{id}/simulate',
  'POST /routing/simulate',
  'GET /call-logs',
  'GET /call-logs/{id}',
  'GET /sms-logs',
  'GET /analytics/calls',
  'GET /usage',
  'GET /usage/summary',
  'GET /notifications',
  'GET /notifications/unread-count',
  'POST /notifications/{id}/read',
  'POST /notifications/read-all',
  'GET /audit-logs',
  'GET /available-numbers',
  'POST /numbers/purchase',
  'DELETE /numbers/{id}',
  'GET /orders',
  'GET /orders/{id}',
  'GET /billing/account',
  'PATCH /billing/account',
  'GET /billing/payment-methods',
  'POST /billing/payment-methods',
  'PATCH /billing/payment-methods/{id}',
  'DELETE /billing/payment-methods/{id}',
  'GET /billing/payments',
  'POST /billing/payments',
  'GET /billing/payments/{id}',
  'POST /billing/payments/{id}/refund',
  'POST /billing/invoices/generate',
  'GET /billing/invoices',
  'GET /billing/invoices/{id}',
  'GET /billing/invoices/{id}/html',
  'GET /webhook-endpoints',
  'POST /webhook-endpoints',
  'GET /webhook-endpoints/{id}',
  'PATCH /webhook-endpoints/{id}',
  'DELETE /webhook-endpoints/{id}',
  'POST /webhook-endpoints/{id}/test',
  'GET /webhook-endpoints/{id}/deliveries',
  'GET /webhook-deliveries/{id}',
  'POST /webhook-deliveries/{id}/redeliver',
]

const PUBLIC_ROUTES = new Set([
  'POST /auth/register',
  'POST /auth/verify-email',
  'POST /auth/password-reset/request',
  'POST /auth/password-reset/confirm',
  'POST /auth/login',
  'POST /auth/refresh',
])

interface Operation {
  summary?: string
  security?: unknown[]
  responses: Record<string, unknown>
}

t.test('the OpenAPI document', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> }

  t.test('is a valid OpenAPI 3 document', async (t) => {
    t.match(doc.openapi, /^3\./)
    const result = await new Validator().validate(structuredClone(doc))
    t.same(result.errors ?? [], [], 'no schema errors')
    t.equal(result.valid, true)
  })

  const operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`, path, method, op })),
  )

  t.test('lists every route of the management API and nothing outside it', async (t) => {
    t.same(operations.map((o) => o.key).sort(), [...API_ROUTES].sort())
    t.ok(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/')), 'no webhook, health or metrics route')
  })

  t.test('gives each route a summary, a success response schema and its security', async (t) => {
    for (const { key, op } of operations) {
      t.ok(op.summary, `${key} has a summary`)
      t.ok(Object.keys(op.responses).some((code) => code.startsWith('2')), `${key} documents its success`)
      if (PUBLIC_ROUTES.has(key)) t.notOk(op.security, `${key} is public`)
      else t.same(op.security, [{ bearerAuth: [] }], `${key} requires a bearer token`)
    }
  })

  t.test('every non-public route answers 401 without credentials', async (t) => {
    for (const { key, path, method } of operations) {
      if (PUBLIC_ROUTES.has(key)) continue
      const url = path.replace(/\{[^}]+\}/g, 'x')
      const hasBody = method !== 'get' && method !== 'delete'
      const reply = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(hasBody ? { payload: {} } : {}) })
      t.equal(reply.statusCode, 401, key)
      t.equal(reply.json().code, 'UNAUTHORIZED', key)
    }
  })

  t.test('a browsable UI is served at /docs', async (t) => {
    const ui = await app.inject({ url: '/docs' })
    t.equal(ui.statusCode, 200)
    t.match(ui.headers['content-type'], /text\/html/)
    t.match(ui.body, /swagger/i)
  })
})

t.test('in production /docs is off unless DOCS_ENABLED=true', async (t) => {
  const production = productionEnv
  const off = await buildTestApp(t, production)
  for (const url of ['/docs', '/docs/', '/docs/json', '/docs/static/swagger-ui-bundle.js']) {
    t.equal((await off.inject({ url })).statusCode, 404, url)
  }
  const on = await buildTestApp(t, { ...production, DOCS_ENABLED: 'true' })
  t.equal((await on.inject({ url: '/docs/json' })).statusCode, 200)
})

t.test('DOCS_ENABLED=false turns /docs off outside production too', async (t) => {
  const app = await buildTestApp(t, { DOCS_ENABLED: 'false' })
  t.equal((await app.inject({ url: '/docs/json' })).statusCode, 404)
  t.equal((await app.inject({ url: '/api/v1/users/me' })).statusCode, 401, 'the API itself is unaffected')
})
