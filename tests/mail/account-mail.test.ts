// The account mails end to end: the app sends them over SMTP to a real SMTP server on
// 127.0.0.1, and the tests act on what arrives (follow the link, verify, reset).
import t from 'tap'
import { SCRUBBED_BODY } from '../../src/mail/mail-store.js'
import { buildTestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { createUserWithPassword, login, randomIp, TEST_PASSWORD } from '../helpers/sessions.js'
import { createUserWithKey } from '../helpers/users.js'
import { customer, heldNumber } from '../billing/invoice-support.js'
import { type ReceivedMail, type SmtpSink, startSmtpSink } from './smtp-sink.js'

const APP = 'https://app.example.com'
const FROM = 'did-edge <no-reply@edge.example.com>'
const tokenIn = (mail: ReceivedMail, page: string) => new RegExp(`${APP}/${page}\\?token=([\\w-]{43})`).exec(mail.text)?.[1]

/** The first mail to `to` whose subject matches, once it has arrived. */
function mailTo(sink: SmtpSink, to: string, subject: RegExp): Promise<ReceivedMail> {
  return eventually(() => sink.mails.find((m) => m.rcptTo.includes(to) && subject.test(m.headers.subject ?? '')), 10_000, `a mail to ${to}`)
}

t.test('account mails over SMTP', async (t) => {
  const sink = await startSmtpSink(t)
  const app = await buildTestApp(t, { SMTP_URL: sink.url, MAIL_FROM: FROM, APP_BASE_URL: APP, REQUIRE_EMAIL_VERIFICATION: 'true' })
  const prisma = app.db.prisma
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers, remoteAddress: randomIp() })
  const admin = await createUserWithKey(prisma, 'ADMIN')
  await prisma.user.update({ where: { id: admin.user.id }, data: { emailVerified: true } })
  const issueOctoberInvoice = async (billingAccountId: string) => {
    const res = await post('/billing/invoices/generate', { period: '2026-10', billingAccountId }, admin.auth)
    if (res.statusCode !== 200) throw new Error(`invoice generation answered ${res.statusCode}: ${res.body}`)
  }

  t.test('registering mails a verification link, in text and HTML, whose token verifies the account once sent', async (t) => {
    const email = 'new.person@example.com'
    const res = await post('/auth/register', { email, password: 'Tr0ub4dor&three', firstName: 'Noor', lastName: 'Person' })
    t.equal(res.statusCode, 201)
    const mail = await mailTo(sink, email, /Confirm your email address/)
    t.match(mail.headers, {
      from: '"did-edge" <no-reply@edge.example.com>',
      to: email,
      'auto-submitted': 'auto-generated',
      'message-id': /^<[a-z0-9]+@edge\.example\.com>$/,
      'content-type': /^multipart\/alternative/,
    })
    t.match(mail.text, /^Hello Noor,/)
    const token = tokenIn(mail, 'verify-email')
    t.ok(token, 'the text part holds the link with its token')
    t.match(mail.html, `<a href="${APP}/verify-email?token=${token}">`, 'the HTML part links to the same page')
    t.match(sink.logins, [{ user: 'mailer', pass: 's3cret-smtp-pass' }], 'signed in to the SMTP server with the URL credentials')

    const row = await eventually(() => prisma.outboundEmail.findFirst({ where: { recipient: email, status: 'SENT' } }), 10_000, 'the row marked sent')
    t.match(row, { kind: 'email-verification', attempts: 1, textBody: SCRUBBED_BODY, htmlBody: SCRUBBED_BODY, lastError: null })
    t.equal(row.messageId, mail.headers['message-id'])
    t.equal((await post('/auth/verify-email', { token: token! })).statusCode, 200)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { email } })).emailVerified, true)
  })

  t.test('an unverified account may only see itself, resend the link and sign out until it verifies', async (t) => {
    const { email, user } = await createUserWithPassword(prisma)
    const session = await login(app, email)
    const get = (url: string) => app.inject({ method: 'GET', url: `/api/v1${url}`, headers: session.auth })
    const refused = await get('/api-keys')
    t.equal(refused.statusCode, 403)
    t.match(refused.json(), { code: 'EMAIL_NOT_VERIFIED', message: /verify your email address/ })
    t.equal((await post('/api-keys', { name: 'k' }, session.auth)).statusCode, 403)
    t.match((await get('/users/me')).json(), { id: user.id, emailVerified: false })
    t.equal((await get('/auth/sessions')).statusCode, 200)

    const keyed = await createUserWithKey(prisma)
    const byKey = await app.inject({ method: 'GET', url: '/api/v1/numbers', headers: keyed.auth })
    t.match(byKey.json(), { code: 'EMAIL_NOT_VERIFIED' }, 'an API key of an unverified account is refused alike')

    t.equal((await post('/auth/verify-email/resend', {}, session.auth)).statusCode, 202)
    const mail = await mailTo(sink, email, /Confirm your email address/)
    t.equal((await post('/auth/verify-email', { token: tokenIn(mail, 'verify-email')! })).statusCode, 200)
    t.equal((await get('/api-keys')).statusCode, 200, 'verified, the API opens')
    const again = await post('/auth/verify-email/resend', {}, session.auth)
    t.match(again.json(), { statusCode: 409, code: 'CONFLICT' }, 'nothing to resend once verified')
    t.equal((await post('/auth/logout', {}, session.auth)).statusCode, 204)
  })

  t.test('a password-reset request mails a link that resets the password; an unknown email queues nothing', async (t) => {
    const { email, user } = await createUserWithPassword(prisma, 'USER', { data: { emailVerified: true } })
    t.equal((await post('/auth/password-reset/request', { email: 'nobody-here@example.com' })).statusCode, 202)
    t.equal(await prisma.outboundEmail.count({ where: { recipient: 'nobody-here@example.com' } }), 0)
    t.equal((await post('/auth/password-reset/request', { email })).statusCode, 202)
    const mail = await mailTo(sink, email, /Reset your did-edge password/)
    const token = tokenIn(mail, 'reset-password')
    t.match(mail.html, `href="${APP}/reset-password?token=${token}"`)
    t.equal((await post('/auth/password-reset/confirm', { token: token!, password: 'Another-fine-pass-7' })).statusCode, 204)
    t.ok(await login(app, email, 'Another-fine-pass-7'), 'the new password signs in')
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordResetToken, null)
  })

  t.test('a sign-in from a new device mails a security notice; the first sign-in does not', async (t) => {
    const { email } = await createUserWithPassword(prisma, 'USER', { data: { emailVerified: true } })
    await login(app, email, TEST_PASSWORD, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' })
    await login(app, email, TEST_PASSWORD, { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile Safari/604.1' })
    const mail = await mailTo(sink, email, /New sign-in to your account/)
    t.match(mail.text, /Signed in from Safari on iOS \(IP 10\.[\d.]+\)/)
    t.match(mail.html, /<p>Signed in from Safari on iOS/)
    t.equal(sink.mails.filter((m) => m.rcptTo.includes(email)).length, 1, 'one notice, for the second device only')
  })

  t.test('a sign-in that rolls back mails nothing: the notice is queued in its transaction', async (t) => {
    const { email, user } = await createUserWithPassword(prisma, 'USER', { data: { emailVerified: true } })
    await login(app, email, TEST_PASSWORD, { userAgent: 'first-device/1.0' })
    // Postgres refuses the second device's session, after the notice was queued in the same transaction.
    await prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`)
    await prisma.$executeRawUnsafe(`
      CREATE TRIGGER refuse_session BEFORE INSERT ON sessions FOR EACH ROW
      WHEN (NEW.user_agent = 'rolled-back/1.0') EXECUTE FUNCTION refuse_session()`)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: TEST_PASSWORD },
      headers: { 'user-agent': 'rolled-back/1.0' },
      remoteAddress: randomIp(),
    })
    t.equal(res.statusCode, 500)
    t.equal(await prisma.outboundEmail.count({ where: { userId: user.id } }), 0, 'no mail in the outbox')
    t.equal(await prisma.notification.count({ where: { userId: user.id } }), 0)
    // A later notice to the same person arrives alone: the worker ran, the rolled-back one was never there.
    await login(app, email, TEST_PASSWORD, { userAgent: 'third-device/1.0' })
    await mailTo(sink, email, /New sign-in/)
    t.equal(sink.mails.filter((m) => m.rcptTo.includes(email)).length, 1)
  })

  t.test('an issued invoice is mailed to its customer', async (t) => {
    const { user, account } = await customer(prisma, 'Ada')
    await heldNumber(prisma, user.id, { purchasedAt: '2026-01-01T00:00:00Z', monthlyPrice: '2' })
    await issueOctoberInvoice(account.id)
    const invoice = await prisma.invoice.findFirstOrThrow({ where: { billingAccountId: account.id } })
    const mail = await mailTo(sink, user.email, new RegExp(`Invoice ${invoice.invoiceNumber}`))
    t.match(mail.text, /Your invoice for October 2026 is 2 USD, due \d{4}-\d{2}-\d{2}\./)
    t.match(mail.text, `GET /api/v1/billing/invoices/${invoice.id}`)
  })

  t.test('a user who turned mail off gets no invoice mail, but security notices still come', async (t) => {
    const { email, user } = await createUserWithPassword(prisma, 'USER', { data: { emailVerified: true } })
    await prisma.user.update({ where: { id: user.id }, data: { preferences: { notifications: { email: false } } } })
    const account = await prisma.billingAccount.create({ data: { userId: user.id, billingAddress: {} } })
    await heldNumber(prisma, user.id, { purchasedAt: '2026-01-01T00:00:00Z' })
    await issueOctoberInvoice(account.id)
    t.match(await prisma.notification.findFirstOrThrow({ where: { userId: user.id, type: 'BILLING' } }), { channels: ['IN_APP'] })
    await login(app, email, TEST_PASSWORD, { userAgent: 'one/1.0' })
    await login(app, email, TEST_PASSWORD, { userAgent: 'two/1.0' })
    await mailTo(sink, email, /New sign-in/)
    t.same(
      (await prisma.outboundEmail.findMany({ where: { userId: user.id } })).map((m) => m.subject),
      ['New sign-in to your account'],
      'the only mail is the security notice',
    )
  })
})

t.test('registrations are limited per IP before any account is created or password hashed', async (t) => {
  const app = await buildTestApp(t, { REGISTRATION_RATE_LIMIT_MAX: '2', REGISTRATION_RATE_LIMIT_WINDOW_SECONDS: '3600' })
  const register = (n: number, ip: string, password = 'Tr0ub4dor&three') =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: `farm-${n}@example.com`, password, firstName: 'F', lastName: 'Arm' },
      remoteAddress: ip,
    })
  t.equal((await register(1, '203.0.113.7')).statusCode, 201)
  t.equal((await register(2, '203.0.113.7')).statusCode, 201)
  const refused = await register(3, '203.0.113.7')
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'RATE_LIMITED')
  t.ok(Number(refused.headers['retry-after']) > 3500, 'Retry-After is the rest of the hour')
  t.equal((await register(4, '203.0.113.7', 'weak')).statusCode, 429, 'refused before the password is even looked at')
  t.equal(await app.db.prisma.user.count(), 2)
  t.equal((await register(5, '203.0.113.8')).statusCode, 201, 'another address may register')
})
