import t from 'tap'
import { buildTestApp, productionEnv } from '../helpers/app.js'
import { createUserWithPassword, login } from '../helpers/sessions.js'
import { postSigned, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey } from '../helpers/users.js'

// What production needs to start, plus the docs switched on so their headers can be seen.
const production = { ...productionEnv, DOCS_ENABLED: 'true' }

type Headers = Record<string, string | string[] | number | undefined>

t.test('outside production', async (t) => {
  const app = await buildTestApp(t, twilioEnv)
  const alice = await createUserWithKey(app.db.prisma)

  t.test('API answers carry the security headers, without HSTS, and are never stored', async (t) => {
    const answers = {
      'an authenticated read': await app.inject({ url: '/api/v1/users/me', headers: alice.auth }),
      'a refusal': await app.inject({ url: '/api/v1/users/me' }),
      'a validation error': await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x' } }),
    }
    for (const [what, res] of Object.entries(answers)) {
      t.match(res.headers['content-security-policy'], /default-src 'self'/, `${what}: CSP`)
      t.notMatch(res.headers['content-security-policy'], /upgrade-insecure-requests/, `${what}: no upgrade over plain http`)
      t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`)
      t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${what}: no framing`)
      t.equal(res.headers['strict-transport-security'], undefined, `${what}: no HSTS outside production`)
      t.equal(res.headers['cache-control'], 'no-store', `${what}: no-store`)
    }
  })

  t.test('answers carrying credentials are no-store: login, refresh, a new API key, a webhook secret', async (t) => {
    const person = await createUserWithPassword(app.db.prisma)
    const loginAnswer = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: person.email, password: person.password } })
    t.equal(loginAnswer.statusCode, 200)
    t.equal(loginAnswer.headers['cache-control'], 'no-store', 'login')
    const session = await login(app, person.email)
    const refreshed = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })
    t.equal(refreshed.statusCode, 200)
    t.equal(refreshed.headers['cache-control'], 'no-store', 'refresh')
    // The refresh rotated the session: its new access token is the one that works.
    const auth = { authorization: `Bearer ${refreshed.json().accessToken}` }
    const key = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: auth, payload: { name: 'ci', permissions: ['read:numbers'] } })
    t.equal(key.statusCode, 201)
    t.equal(key.headers['cache-control'], 'no-store', 'API key creation')
    const endpoint = await app.inject({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      headers: auth,
      payload: { url: 'http://127.0.0.1:9/hook', events: ['CALL_COMPLETED'] },
    })
    t.equal(endpoint.statusCode, 201)
    t.match(endpoint.json().secret, /^whsec_/)
    t.equal(endpoint.headers['cache-control'], 'no-store', 'webhook endpoint secret')
  })

  t.test('/docs carries a Content-Security-Policy that lets swagger-ui load its own files', async (t) => {
    const ui = await app.inject({ url: '/docs/' })
    t.equal(ui.statusCode, 200)
    const csp = String(ui.headers['content-security-policy'])
    t.match(csp, /script-src 'self'(;|$)/, 'scripts from did-edge only')
    t.match(csp, /img-src 'self' data:/)
    t.equal(ui.headers['x-content-type-options'], 'nosniff')
    // Every script the page loads is one of its own static files: nothing inline to allow.
    const scripts = [...ui.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)]
    t.ok(scripts.length > 0)
    for (const [, attributes, body] of scripts) {
      t.match(attributes, /src="\.\/static\//)
      t.equal(body!.trim(), '', 'no inline script')
    }
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' })
    t.equal(initializer.statusCode, 200)
    t.match(initializer.body, /"validatorUrl":null/, 'no validator badge from validator.swagger.io')
    t.match((await app.inject({ url: '/docs/json' })).headers['content-security-policy'], /default-src 'self'/)
  })

  t.test('Twilio webhook answers carry none of them', async (t) => {
    const res = await postSigned(app, '/twilio/voice', voiceParams('+14155550100', '+12125550142'))
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/xml/)
    const headers: Headers = res.headers
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-frame-options', 'x-content-type-options', 'cache-control']) {
      t.equal(headers[name], undefined, name)
    }
  })
})

t.test('in production', async (t) => {
  const app = await buildTestApp(t, production)
  const alice = await createUserWithKey(app.db.prisma)

  t.test('API and docs answers carry HSTS and upgrade insecure requests; webhooks do not', async (t) => {
    for (const [what, res] of [
      ['API', await app.inject({ url: '/api/v1/users/me', headers: alice.auth })],
      ['docs', await app.inject({ url: '/docs/' })],
    ] as const) {
      t.equal(res.statusCode, 200)
      t.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', `${what}: HSTS`)
      t.match(res.headers['content-security-policy'], /upgrade-insecure-requests/, what)
    }
    const webhook = await postSigned(app, '/twilio/voice', voiceParams('+14155550100', '+12125550142'))
    t.equal(webhook.statusCode, 200)
    t.equal(webhook.headers['strict-transport-security'], undefined)
  })
})
