import { createHash } from 'node:crypto'
import t from 'tap'
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/auth/api-keys.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithPassword, login, sessionIdOf } from '../helpers/sessions.js'
import { createUserWithKey } from '../helpers/users.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36'

t.test('refresh tokens and sessions', async (t) => {
  // One person signs in many times here; the per-email login limit is not what this file tests.
  const app = await buildTestApp(t, { AUTH_RATE_LIMIT_MAX: '100' })
  const prisma = app.db.prisma
  const refresh = (refreshToken: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken }, headers })
  const me = (accessToken: string) =>
    app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${accessToken}` } })

  // Most cases need one signed-in person; their password is hashed once per process.
  const person = await createUserWithPassword(prisma)

  t.test('a refresh answers a new pair, revokes the old session and keeps the family', async (t) => {
    const first = await login(app, person.email)
    const res = await refresh(first.refreshToken, { 'user-agent': CHROME_ANDROID })
    t.equal(res.statusCode, 200, res.body)
    const next = res.json()
    t.not(next.refreshToken, first.refreshToken)
    t.equal(next.user.id, person.user.id)
    const nextId = sessionIdOf(next.accessToken)
    t.not(nextId, first.sessionId)

    const old = await prisma.session.findUniqueOrThrow({ where: { id: first.sessionId } })
    t.equal(old.isRevoked, true)
    t.ok(old.revokedAt instanceof Date)
    const created = await prisma.session.findUniqueOrThrow({ where: { id: nextId } })
    t.equal(created.refreshToken, sha256(next.refreshToken))
    t.same(created.deviceInfo, { family: first.sessionId, browser: 'Chrome', os: 'Android', mobile: true })

    t.equal((await me(next.accessToken)).statusCode, 200, 'the new access token works')
    t.equal((await me(first.accessToken)).statusCode, 401, 'the old access token died with its session')
  })

  t.test('replaying a rotated refresh token is theft: 401, and the whole family is revoked, other logins untouched', async (t) => {
    const stolen = await login(app, person.email)
    const elsewhere = await login(app, person.email)
    const second = (await refresh(stolen.refreshToken)).json()
    const third = (await refresh(second.refreshToken)).json()
    t.type(third.refreshToken, 'string')

    const replay = await refresh(stolen.refreshToken)
    t.equal(replay.statusCode, 401)
    t.equal(replay.json().message, 'invalid or expired refresh token')

    t.equal((await refresh(third.refreshToken)).statusCode, 401, 'the newest refresh token of the family no longer works')
    t.equal((await me(third.accessToken)).statusCode, 401, 'nor its access token')
    const family = await prisma.session.findMany({ where: { deviceInfo: { path: ['family'], equals: stolen.sessionId } } })
    t.equal(family.length, 3)
    t.ok(family.every((s) => s.isRevoked), 'every session of the family is revoked')

    t.equal((await me(elsewhere.accessToken)).statusCode, 200, 'a separate login still works')
    t.equal((await refresh(elsewhere.refreshToken)).statusCode, 200)

    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'REFRESH_TOKEN_REUSE', resourceId: stolen.sessionId } })
    t.match(row, { userId: person.user.id, resource: 'session', success: false })
    t.notOk(JSON.stringify(row).includes(stolen.refreshToken), 'the token is not in the audit row')
  })

  t.test('two simultaneous refreshes with one token: at most one succeeds', async (t) => {
    const session = await login(app, person.email)
    const answers = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)])
    const ok = answers.filter((r) => r.statusCode === 200)
    t.ok(ok.length <= 1, `${ok.length} succeeded`)
    t.same(answers.map((r) => r.statusCode).filter((s) => s !== 200), Array(2 - ok.length).fill(401))
    const family = await prisma.session.findMany({
      where: { deviceInfo: { path: ['family'], equals: session.sessionId }, isRevoked: false },
    })
    t.ok(family.length <= 1, 'no two live sessions came out of one token')
  })

  t.test('an unknown or expired refresh token answers 401', async (t) => {
    t.equal((await refresh('not-a-token-we-issued')).statusCode, 401)
    const session = await login(app, person.email)
    await prisma.session.update({ where: { id: session.sessionId }, data: { expiresAt: new Date(Date.now() - 1000) } })
    const res = await refresh(session.refreshToken)
    t.equal(res.statusCode, 401)
    t.equal(res.json().message, 'invalid or expired refresh token')
  })

  t.test('a suspended user cannot refresh (403), and the session is not rotated', async (t) => {
    const other = await createUserWithPassword(prisma)
    const session = await login(app, other.email)
    await prisma.user.update({ where: { id: other.user.id }, data: { isSuspended: true } })
    t.equal((await refresh(session.refreshToken)).statusCode, 403)
    t.equal((await prisma.session.findUniqueOrThrow({ where: { id: session.sessionId } })).isRevoked, false)
  })

  t.test('the session list shows active sessions newest first, marks the current one, and never a token', async (t) => {
    const owner = await createUserWithPassword(prisma)
    const older = await login(app, owner.email)
    const current = await login(app, owner.email)
    const loggedOut = await login(app, owner.email)
    await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: loggedOut.auth })

    const res = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: current.auth })
    t.equal(res.statusCode, 200)
    const { data } = res.json()
    t.same(data.map((s: { id: string }) => s.id), [current.sessionId, older.sessionId])
    t.same(data.map((s: { current: boolean }) => s.current), [true, false])
    t.same(Object.keys(data[0]).sort(), ['createdAt', 'current', 'deviceInfo', 'expiresAt', 'id', 'ipAddress', 'userAgent'])
    for (const token of [older.refreshToken, current.refreshToken, sha256(older.refreshToken), sha256(current.refreshToken)]) {
      t.notOk(res.body.includes(token), 'no refresh token nor its hash')
    }
  })

  t.test("with an API key the list shows the key owner's sessions, none of them current", async (t) => {
    const owner = await createUserWithPassword(prisma)
    const session = await login(app, owner.email)
    const key = generateApiKey()
    await prisma.apiKey.create({
      data: { userId: owner.user.id, name: 'cli', keyHash: hashApiKey(key), keyPrefix: apiKeyPrefix(key), permissions: ['admin'] },
    })
    const res = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: { authorization: `Bearer ${key}` } })
    t.equal(res.statusCode, 200)
    t.match(res.json().data, [{ id: session.sessionId, current: false }])
    t.equal(res.json().data.length, 1)
  })

  t.test('logout revokes the session of the access token (204); the token and its refresh token stop working', async (t) => {
    const session = await login(app, person.email)
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.auth })
    t.equal(res.statusCode, 204)
    t.equal((await me(session.accessToken)).statusCode, 401)
    t.equal((await refresh(session.refreshToken)).statusCode, 401)
    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'LOGOUT', resourceId: session.sessionId } })
    t.equal(row.userId, person.user.id)
  })

  t.test('logout with an API key answers 400 pointing at DELETE /api-keys/:id, and the key keeps working', async (t) => {
    const keyed = await createUserWithKey(prisma)
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: keyed.auth })
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /DELETE \/api-keys\/:id/)
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: keyed.auth })).statusCode, 200)
  })

  t.test('logout without credentials answers 401', async (t) => {
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode, 401)
  })

  t.test('revoking one of your own sessions answers 204 and ends it; a second time 404', async (t) => {
    const phone = await login(app, person.email)
    const laptop = await login(app, person.email)
    const url = `/api/v1/auth/sessions/${phone.sessionId}`
    t.equal((await app.inject({ method: 'DELETE', url, headers: laptop.auth })).statusCode, 204)
    t.equal((await me(phone.accessToken)).statusCode, 401)
    t.equal((await refresh(phone.refreshToken)).statusCode, 401)
    t.equal((await me(laptop.accessToken)).statusCode, 200, 'the session used to revoke it lives on')
    t.equal((await app.inject({ method: 'DELETE', url, headers: laptop.auth })).statusCode, 404)
  })

  t.test("another user's session answers 404 and stays alive, for an administrator too", async (t) => {
    const victim = await login(app, person.email)
    const stranger = await createUserWithKey(prisma)
    const admin = await createUserWithKey(prisma, 'SUPER_ADMIN')
    const url = `/api/v1/auth/sessions/${victim.sessionId}`
    for (const caller of [stranger, admin]) {
      const res = await app.inject({ method: 'DELETE', url, headers: caller.auth })
      t.equal(res.statusCode, 404)
      t.equal(res.json().message, 'session not found')
    }
    t.equal((await me(victim.accessToken)).statusCode, 200)
    const list = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: admin.auth })
    t.same(list.json().data, [], "an administrator's list holds only their own sessions")
  })
})
