// Mail and verification settings, and what the running server writes to its log once SMTP is
// configured: never the SMTP credentials, never a one-time token.
import t from 'tap'
import { request } from 'undici'
import { ConfigError, loadConfig } from '../../src/config.js'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'
import { startSmtpSink } from './smtp-sink.js'

const production = {
  NODE_ENV: 'production',
  TWILIO_AUTH_TOKEN: 't',
  PUBLIC_BASE_URL: 'https://edge.example.com',
  JWT_SECRET: 's'.repeat(40),
}

t.test('production refuses to start without SMTP_URL while email verification is required', async (t) => {
  t.throws(() => loadConfig(production), { name: 'ConfigError', message: /SMTP_URL is required when NODE_ENV=production \(or set REQUIRE_EMAIL_VERIFICATION=false\)/ })
  const without = loadConfig({ ...production, REQUIRE_EMAIL_VERIFICATION: 'false' })
  t.match(without, { auth: { requireEmailVerification: false }, mail: { smtpUrl: undefined } }, 'allowed when verification is off')
  t.equal(loadConfig({ NODE_ENV: 'production', REDIS_URL: 'redis://cache:6379' }, 'worker').mail.smtpUrl, undefined, 'a worker sends no mail')
})

t.test('email verification is required by default in production only', async (t) => {
  t.equal(loadConfig({ ...production, SMTP_URL: 'smtp://mail:25' }).auth.requireEmailVerification, true)
  t.equal(loadConfig({}).auth.requireEmailVerification, false)
  t.equal(loadConfig({ NODE_ENV: 'test' }).auth.requireEmailVerification, false)
  t.equal(loadConfig({ REQUIRE_EMAIL_VERIFICATION: 'true' }).auth.requireEmailVerification, true)
})

t.test('mails come from no-reply at the public host and link to it unless told otherwise', async (t) => {
  const config = loadConfig({ PUBLIC_BASE_URL: 'https://edge.example.com/' })
  t.same(config.mail, { smtpUrl: undefined, from: 'did-edge <no-reply@edge.example.com>', appBaseUrl: 'https://edge.example.com' })
  t.same(config.auth.registrationRateLimit, { max: 10, windowSeconds: 3600 })
})

t.test('bad mail settings are refused naming the variable, and an SMTP URL is never echoed', async (t) => {
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env)
    } catch (err) {
      if (err instanceof ConfigError) return err.message
    }
    return 'accepted'
  }
  const smtp = refused({ SMTP_URL: 'http://mailer:hunter2-secret@mail.example.com' })
  t.match(smtp, /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/)
  t.notMatch(smtp, /hunter2/)
  t.match(refused({ MAIL_FROM: 'not an address' }), /MAIL_FROM must be an address/)
  t.match(refused({ APP_BASE_URL: 'app.example.com' }), /APP_BASE_URL must be an http\(s\) URL/)
  t.match(refused({ REGISTRATION_RATE_LIMIT_MAX: '0' }), /REGISTRATION_RATE_LIMIT_MAX must be between 1/)
  t.match(refused({ REQUIRE_EMAIL_VERIFICATION: 'maybe' }), /REQUIRE_EMAIL_VERIFICATION must be true or false/)
})

t.test('with SMTP configured the server mails the tokens and logs neither them nor the SMTP password', async (t) => {
  const sink = await startSmtpSink(t)
  const { url } = await createTestDatabase(t)
  const server = spawnServer(t, {
    NODE_ENV: 'development',
    DATABASE_URL: url,
    PORT: '0',
    LOG_LEVEL: 'debug',
    DEMO: 'false',
    SMTP_URL: sink.url,
  })
  const base = await waitForListening(server)
  const post = (path: string, body: unknown) =>
    request(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const email = 'quiet.log@example.com'
  t.equal((await post('/auth/register', { email, password: 'First-secret-pass-1', firstName: 'Q', lastName: 'Log' })).statusCode, 201)
  t.equal((await post('/auth/password-reset/request', { email })).statusCode, 202)
  await eventually(() => sink.mails.length === 2, 10_000, 'both mails')
  const tokens = sink.mails.map((m) => /\?token=([\w-]{43})/.exec(m.text)?.[1])
  t.equal(tokens.filter(Boolean).length, 2)
  const output = server.output()
  for (const token of tokens) t.notOk(output.includes(token!), 'the token is not in the log')
  t.notOk(output.includes('s3cret-smtp-pass'), 'nor the SMTP password')
})
