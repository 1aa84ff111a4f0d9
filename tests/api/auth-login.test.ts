import { createHash } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithPassword, login, randomIp, TEST_PASSWORD } from '../helpers/sessions.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

t.test('login', async (t) => {
  const app = await buildTestApp(t, { ACCESS_TOKEN_TTL_SECONDS: '600' })
  const prisma = app.db.prisma
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: payload as object, headers, remoteAddress: randomIp() })

  t.test('a correct email and password answer 200 with a token pair that works on the API', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const res = await post({ email: `  ${email.toUpperCase()} `, password: TEST_PASSWORD }, { 'user-agent': FIREFOX })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.equal(body.expiresIn, 600)
    t.match(body.user, { id: user.id, email, role: 'USER' })
    t.notOk('password' in body.user)
    t.match(body.refreshToken, /^[\w-]{43}$/, 'an opaque base64url token without dots')

    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${body.accessToken}` } })
    t.equal(me.statusCode, 200)
    t.equal(me.json().id, user.id)
    t.type(me.json().lastLoginAt, 'string', 'lastLoginAt is set')
  })

  t.test('a sign-in from a device the account never used notifies the owner; known devices and the first sign-in do not', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const securityNotes = () => prisma.notification.findMany({ where: { userId: user.id, type: 'SECURITY' } })
    await login(app, email, TEST_PASSWORD, { userAgent: FIREFOX })
    await login(app, email, TEST_PASSWORD, { userAgent: FIREFOX })
    t.same(await securityNotes(), [], 'the first device, twice: nothing to report')
    const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1'
    await login(app, email, TEST_PASSWORD, { userAgent: phone, remoteAddress: '198.51.100.23' })
    const notes = await securityNotes()
    t.equal(notes.length, 1)
    t.match(notes[0], { priority: 'HIGH', title: 'New sign-in to your account', message: /Safari on iOS \(IP 198\.51\.100\.23\)/ })
    await login(app, email, TEST_PASSWORD, { userAgent: phone })
    t.equal((await securityNotes()).length, 1, 'the same new device again is known now')
  })

  t.test('the session stores the refresh token hashed, with expiry, IP, user agent and device info', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const before = Date.now()
    const session = await login(app, email, TEST_PASSWORD, { remoteAddress: '203.0.113.7', userAgent: FIREFOX })
    const row = await prisma.session.findUniqueOrThrow({ where: { id: session.sessionId } })
    t.equal(row.userId, user.id)
    t.equal(row.refreshToken, sha256(session.refreshToken), 'only the SHA-256 is stored')
    t.not(row.refreshToken, session.refreshToken)
    t.equal(row.ipAddress, '203.0.113.7')
    t.equal(row.userAgent, FIREFOX)
    t.same(row.deviceInfo, { family: row.id, browser: 'Firefox', os: 'Linux' })
    t.equal(row.isRevoked, false)
    const ttl = (row.expiresAt.getTime() - before) / 1000
    t.ok(ttl > 2_592_000 - 60 && ttl <= 2_592_000 + 1, 'expires after REFRESH_TOKEN_TTL_SECONDS (30 days by default)')
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    t.ok(stored.lastLoginAt !== null && stored.lastLoginAt.getTime() >= before - 1000)
    t.equal((await prisma.session.findMany({ where: { refreshToken: session.refreshToken } })).length, 0, 'the raw token finds nothing')
  })

  t.test('a wrong password and an unknown email answer alike: 401 with the same message', async (t) => {
    const { email } = await createUserWithPassword(prisma)
    const wrong = await post({ email, password: 'Wrong-password-42' })
    const unknown = await post({ email: 'nobody-here@example.com', password: 'Wrong-password-42' })
    t.equal(wrong.statusCode, 401)
    t.equal(unknown.statusCode, 401)
    const { requestId: _a, ...wrongBody } = wrong.json()
    const { requestId: _b, ...unknownBody } = unknown.json()
    t.same(wrongBody, unknownBody)
    t.same(wrongBody, { statusCode: 401, code: 'UNAUTHORIZED', message: 'invalid email or password' })
  })

  t.test('an account whose stored value is no password hash (the bootstrap admin) never signs in', async (t) => {
    const { email } = await createUserWithPassword(prisma, 'SUPER_ADMIN')
    await prisma.user.update({ where: { email }, data: { password: '!unusable!whatever' } })
    for (const password of ['!unusable!whatever', 'whatever', TEST_PASSWORD]) {
      t.equal((await post({ email, password })).statusCode, 401, `refused: ${password}`)
    }
  })

  t.test('a suspended user with the right password answers 403, and their existing access token stops working', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const session = await login(app, email)
    await prisma.user.update({ where: { id: user.id }, data: { isSuspended: true, suspensionReason: 'test' } })
    const res = await post({ email, password: TEST_PASSWORD })
    t.equal(res.statusCode, 403)
    t.match(res.json(), { code: 'FORBIDDEN', message: 'this account is suspended' })
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: session.auth })
    t.equal(me.statusCode, 403)
    t.equal(await prisma.session.count({ where: { userId: user.id } }), 1, 'no session created for the refused login')
  })

  t.test('a suspended user with a wrong password still answers 401: the account state is told only to its owner', async (t) => {
    const { email } = await createUserWithPassword(prisma, 'USER', { data: { isSuspended: true } })
    const res = await post({ email, password: 'Wrong-password-42' })
    t.equal(res.statusCode, 401)
    t.equal(res.json().message, 'invalid email or password')
  })

  t.test('an inactive user with the right password answers 403', async (t) => {
    const { email } = await createUserWithPassword(prisma, 'USER', { data: { isActive: false } })
    const res = await post({ email, password: TEST_PASSWORD })
    t.equal(res.statusCode, 403)
    t.equal(res.json().message, 'this account is inactive')
  })

  t.test('a body with an unknown field or a missing password answers 400 naming it', async (t) => {
    const extra = await post({ email: 'a@example.com', password: 'x', remember: true })
    t.equal(extra.statusCode, 400)
    t.match(extra.json().message, /remember/)
    const missing = await post({ email: 'a@example.com' })
    t.equal(missing.statusCode, 400)
    t.match(missing.json().message, /^password: /)
  })

  t.test('failed logins are audited as LOGIN_FAILED with the account tried and without the password', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const secret = 'Very-secret-guess-7'
    t.equal((await post({ email, password: secret }, { 'user-agent': 'guesser/1.0' })).statusCode, 401)
    t.equal((await post({ email: 'ghost-account@example.com', password: secret }, { 'user-agent': 'guesser/2.0' })).statusCode, 401)

    const known = await prisma.auditLog.findFirstOrThrow({ where: { userAgent: 'guesser/1.0' } })
    t.match(known, {
      userId: user.id,
      action: 'LOGIN_FAILED',
      resource: 'session',
      success: false,
      errorMessage: 'invalid email or password',
      endpoint: '/api/v1/auth/login',
      method: 'POST',
    })
    const unknown = await prisma.auditLog.findFirstOrThrow({ where: { userAgent: 'guesser/2.0' } })
    t.match(unknown, { userId: null, action: 'LOGIN_FAILED', success: false })
    for (const row of [known, unknown]) {
      t.notOk(JSON.stringify(row).includes(secret), 'the password appears nowhere in the row')
    }
  })

  t.test('a successful login is audited as LOGIN with the session it created', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    const session = await login(app, email)
    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'LOGIN', resourceId: session.sessionId } })
    t.match(row, { userId: user.id, resource: 'session', success: true })
    t.same(row.newValues, { email })
    t.notOk(JSON.stringify(row).includes(TEST_PASSWORD))
    t.notOk(JSON.stringify(row).includes(session.refreshToken))
  })
})
