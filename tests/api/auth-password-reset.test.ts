import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithPassword, login, randomIp, TEST_PASSWORD } from '../helpers/sessions.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const NEW_PASSWORD = 'Brand-new-secret-99'

t.test('password reset', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const request = (email: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/request', payload: { email }, remoteAddress: randomIp() })
  const confirm = (token: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password }, remoteAddress: randomIp() })
  const tryLogin = (email: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: randomIp() })

  // The raw token only leaves by email (in development: the log); these tests store a token of
  // their own making the way the server does, to exercise the confirmation.
  async function withResetToken(userId: string, expires = new Date(Date.now() + 3_600_000)) {
    const token = randomBytes(32).toString('base64url')
    await prisma.user.update({ where: { id: userId }, data: { passwordResetToken: sha256(token), passwordResetExpires: expires } })
    return token
  }

  t.test('a request answers 202 alike for a known and an unknown email; only the known account gets a hashed token', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const known = await request(email.toUpperCase())
    const unknown = await request('no-such-person@example.com')
    t.equal(known.statusCode, 202)
    t.equal(unknown.statusCode, 202)
    t.same(known.json(), { accepted: true })
    t.same(unknown.json(), known.json())
    t.notMatch(known.body, /token/i)

    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    t.match(stored.passwordResetToken, /^[0-9a-f]{64}$/, 'a SHA-256, not the token')
    const minutesLeft = (stored.passwordResetExpires!.getTime() - Date.now()) / 60_000
    t.ok(minutesLeft > 59 && minutesLeft <= 60, `expires in one hour (got ${minutesLeft.toFixed(2)} min)`)
    t.equal(await prisma.user.count({ where: { email: 'no-such-person@example.com' } }), 0, 'no account is created')
  })

  t.test('confirming sets the new password, revokes every session, and the token works once', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const a = await login(app, email)
    const b = await login(app, email)
    const token = await withResetToken(user.id)

    const res = await confirm(token, NEW_PASSWORD)
    t.equal(res.statusCode, 204, res.body)
    const sessions = await prisma.session.findMany({ where: { userId: user.id } })
    t.equal(sessions.length, 2)
    t.ok(sessions.every((s) => s.isRevoked && s.revokedAt !== null), 'every session revoked')
    for (const s of [a, b]) {
      const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.auth })
      t.equal(me.statusCode, 401, 'an access token of the old password no longer works')
    }
    t.equal((await tryLogin(email, TEST_PASSWORD)).statusCode, 401, 'the old password no longer works')
    t.equal((await tryLogin(email, NEW_PASSWORD)).statusCode, 200, 'the new one does')

    const again = await confirm(token, 'Another-new-secret-77')
    t.equal(again.statusCode, 400)
    t.match(again.json(), { code: 'VALIDATION_FAILED', message: 'invalid or expired token' })
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    t.equal(stored.passwordResetToken, null)
    t.notOk(stored.password.includes(NEW_PASSWORD))
  })

  t.test('an expired token answers 400 and changes nothing', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const session = await login(app, email)
    const before = (await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).password
    const token = await withResetToken(user.id, new Date(Date.now() - 1000))
    const res = await confirm(token, NEW_PASSWORD)
    t.equal(res.statusCode, 400)
    t.equal(res.json().message, 'invalid or expired token')
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).password, before)
    t.equal((await prisma.session.findUniqueOrThrow({ where: { id: session.sessionId } })).isRevoked, false)
  })

  t.test('a weak new password answers 400 naming the password, and the token stays usable', async (t) => {
    const { user } = await createUserWithPassword(prisma)
    const token = await withResetToken(user.id)
    const weak = await confirm(token, 'password')
    t.equal(weak.statusCode, 400)
    t.match(weak.json().message, /^password: must be at least 10 characters/)
    const local = user.email.split('@')[0]!
    const containsEmail = await confirm(token, `${local}-Xy9`)
    t.equal(containsEmail.statusCode, 400)
    t.match(containsEmail.json().message, /^password: must not contain the email/)
    t.equal((await confirm(token, NEW_PASSWORD)).statusCode, 204)
  })

  t.test('an unknown token answers 400', async (t) => {
    const res = await confirm(randomBytes(32).toString('base64url'), NEW_PASSWORD)
    t.equal(res.statusCode, 400)
    t.equal(res.json().message, 'invalid or expired token')
  })

  t.test('request and confirmation are audited without the password or the token', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    t.equal((await request(email)).statusCode, 202)
    const requested = await prisma.auditLog.findFirstOrThrow({ where: { action: 'PASSWORD_RESET_REQUEST', userId: user.id } })
    t.equal(requested.success, true)
    const token = await withResetToken(user.id)
    t.equal((await confirm(token, NEW_PASSWORD)).statusCode, 204)
    const confirmed = await prisma.auditLog.findFirstOrThrow({ where: { action: 'PASSWORD_RESET', userId: user.id } })
    t.match(confirmed, { resource: 'user', resourceId: user.id, success: true })
    for (const row of [requested, confirmed]) {
      const text = JSON.stringify(row)
      t.notOk(text.includes(NEW_PASSWORD) || text.includes(token) || text.includes(sha256(token)), 'no secret in the row')
    }
  })
})
