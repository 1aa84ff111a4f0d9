import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

type Headers = Record<string, string>

/** A signed-in session of `userId`, as /auth/login leaves it. */
function createSession(prisma: PrismaClient, userId: string) {
  return prisma.session.create({
    data: { userId, refreshToken: randomBytes(32).toString('hex'), expiresAt: new Date(Date.now() + 86_400_000) },
  })
}

t.test('users administration API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const superAdmin = await createUserWithKey(prisma, 'SUPER_ADMIN')
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const support = await createUserWithKey(prisma, 'SUPPORT')
  const alice = await createUserWithKey(prisma)

  const get = (headers: Headers, url: string) => app.inject({ method: 'GET', url: `/api/v1${url}`, headers })
  const patch = (headers: Headers, id: string, payload: unknown) =>
    app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers, payload: payload as object })
  const suspend = (headers: Headers, id: string, reason: unknown = 'chargeback fraud') =>
    app.inject({ method: 'POST', url: `/api/v1/users/${id}/suspend`, headers, payload: { reason } })
  const unsuspend = (headers: Headers, id: string, reason: unknown = 'cleared by billing') =>
    app.inject({ method: 'POST', url: `/api/v1/users/${id}/unsuspend`, headers, payload: { reason } })

  t.test('listing users answers the paginated public users', async (t) => {
    const res = await get(admin.auth, '/users?limit=2&sortBy=email&sortOrder=asc')
    t.equal(res.statusCode, 200)
    const { data, pagination } = res.json()
    const total = await prisma.user.count()
    t.same(pagination, { page: 1, limit: 2, total, totalPages: Math.ceil(total / 2), hasNext: true, hasPrevious: false })
    const emails = (await prisma.user.findMany({ orderBy: { email: 'asc' }, take: 2 })).map((u) => u.email)
    t.same(data.map((u: { email: string }) => u.email), emails)
    t.notOk(/password|token/i.test(res.body), 'no password or token field')

    const last = (await get(admin.auth, `/users?limit=2&page=${Math.ceil(total / 2)}`)).json()
    t.match(last.pagination, { hasNext: false, hasPrevious: true })
  })

  t.test('search is a case-insensitive part of email, names or company; filters narrow by role, status and date', async (t) => {
    const carol = await createUserWithKey(prisma, 'DEVELOPER')
    await prisma.user.update({ where: { id: carol.user.id }, data: { company: 'Initech Labs', lastName: 'Zebrowski' } })
    const ids = async (query: string) => {
      const res = await get(admin.auth, `/users?${query}`)
      t.equal(res.statusCode, 200, query)
      return (res.json().data as Array<{ id: string }>).map((u) => u.id)
    }
    t.same(await ids('search=INITECH'), [carol.user.id])
    t.same(await ids('search=zebrow'), [carol.user.id])
    t.same(await ids(`search=${carol.user.email.slice(0, 12).toUpperCase()}`), [carol.user.id])
    t.same(await ids('role=DEVELOPER'), [carol.user.id])
    t.same((await ids('role=ADMIN,SUPER_ADMIN&limit=100')).sort(), [admin.user.id, superAdmin.user.id].sort())
    t.same(await ids('role=DEVELOPER&isActive=false'), [])
    await prisma.user.update({ where: { id: carol.user.id }, data: { isActive: false } })
    t.same(await ids('isActive=false'), [carol.user.id])
    t.notOk((await ids('isActive=true&limit=100')).includes(carol.user.id))
    t.same(await ids('isSuspended=true&role=DEVELOPER'), [])
    t.same(await ids('dateFrom=2999-01-01'), [])
    t.same(await ids('dateTo=2000-01-01'), [])
    t.ok((await ids(`dateFrom=${new Date(Date.now() - 3_600_000).toISOString()}&role=DEVELOPER`)).includes(carol.user.id))
  })

  const badQueries: Array<[string, RegExp]> = [
    ['isActive=yes', /^querystring\.isActive: must be true or false/],
    ['role=ROOT', /^querystring\.role\[0\]: /],
    ['sortBy=password', /^querystring\.sortBy: /],
    ['limit=1000', /^querystring\.limit: /],
    ['dateFrom=someday', /^querystring\.dateFrom: /],
    ['colour=blue', /colour/],
  ]
  for (const [query, message] of badQueries) {
    t.test(`listing users with ${query} answers 400 naming the parameter`, async (t) => {
      const res = await get(admin.auth, `/users?${query}`)
      t.equal(res.statusCode, 400)
      t.match(res.json().message, message)
    })
  }

  t.test('one user comes with counts of their numbers, API keys and sessions', async (t) => {
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).statusCode, 201)
    await createSession(prisma, alice.user.id)
    const res = await get(support.auth, `/users/${alice.user.id}`)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: alice.user.id, email: alice.user.email, _count: { numbers: 1, apiKeys: 1, sessions: 1 } })
    t.notOk(/password/i.test(res.body))
    const missing = await get(admin.auth, '/users/no-such-user')
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().code, 'NOT_FOUND')
  })

  t.test('a USER cannot list or read users; support reads them but changes nothing', async (t) => {
    t.equal((await get(alice.auth, '/users')).statusCode, 403)
    t.equal((await get(alice.auth, `/users/${admin.user.id}`)).statusCode, 403)
    t.equal((await get(support.auth, '/users')).statusCode, 200)
    const refused = await patch(support.auth, alice.user.id, { firstName: 'Nope' })
    t.equal(refused.statusCode, 403)
    t.match(refused.json().message, /write:users/)
    t.equal((await suspend(support.auth, alice.user.id)).statusCode, 403)
    t.equal((await patch(alice.auth, alice.user.id, { firstName: 'Self' })).statusCode, 403)
    t.equal((await get({}, '/users')).statusCode, 401)
    t.equal((await suspend({}, alice.user.id)).statusCode, 401)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } })).firstName, 'Test')
  })

  t.test('an administrator changes a profile and status, and the audit row keeps old and new values', async (t) => {
    const dave = await createUserWithKey(prisma)
    const res = await patch(admin.auth, dave.user.id, { firstName: 'David', emailVerified: true, preferences: { theme: 'light' } })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { firstName: 'David', emailVerified: true, preferences: { theme: 'light', calling: { blockAnonymous: false } } })
    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'UPDATE', resource: 'user', resourceId: dave.user.id } })
    t.match(row, { userId: admin.user.id, success: true, endpoint: '/api/v1/users/:id' })
    t.same(row.oldValues, { firstName: 'Test', emailVerified: false, preferences: {} })
    t.match(row.newValues, { firstName: 'David', emailVerified: true, preferences: { theme: 'light' } })

    const off = await patch(admin.auth, dave.user.id, { isActive: false })
    t.equal(off.statusCode, 200)
    t.equal(off.json().isActive, false)
    t.equal((await get(dave.auth, '/users/me')).statusCode, 403, 'a deactivated user is refused')
  })

  t.test('only a super administrator changes roles', async (t) => {
    const erin = await createUserWithKey(prisma)
    const byAdmin = await patch(admin.auth, erin.user.id, { role: 'DEVELOPER' })
    t.equal(byAdmin.statusCode, 403)
    t.equal(byAdmin.json().message, 'only a super administrator changes roles')
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: erin.user.id } })).role, 'USER')
    t.equal((await patch(admin.auth, erin.user.id, { role: 'USER', lastName: 'Same role' })).statusCode, 200, 'restating the role is no change')

    const bySuper = await patch(superAdmin.auth, erin.user.id, { role: 'DEVELOPER' })
    t.equal(bySuper.statusCode, 200)
    t.equal(bySuper.json().role, 'DEVELOPER')
    const row = await prisma.auditLog.findFirstOrThrow({ where: { resourceId: erin.user.id, userId: superAdmin.user.id, success: true } })
    t.same(row.oldValues, { role: 'USER' })
    t.same(row.newValues, { role: 'DEVELOPER' })

    const badRole = await patch(superAdmin.auth, erin.user.id, { role: 'OWNER' })
    t.equal(badRole.statusCode, 400)
    t.match(badRole.json().message, /^role: /)
  })

  t.test('nobody changes their own role or deactivates themselves, and an administrator leaves super administrators alone', async (t) => {
    const ownRole = await patch(superAdmin.auth, superAdmin.user.id, { role: 'USER' })
    t.equal(ownRole.statusCode, 400)
    t.match(ownRole.json().message, /^role: you cannot change your own role/)
    const deactivate = await patch(admin.auth, admin.user.id, { isActive: false })
    t.equal(deactivate.statusCode, 400)
    t.match(deactivate.json().message, /^isActive: /)
    t.equal((await patch(admin.auth, admin.user.id, { firstName: 'Ada' })).statusCode, 200, 'their own profile is fine')

    const onSuper = await patch(admin.auth, superAdmin.user.id, { firstName: 'Demoted' })
    t.equal(onSuper.statusCode, 403)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: superAdmin.user.id } })).firstName, 'Test')
    t.equal((await patch(admin.auth, 'no-such-user', { firstName: 'X' })).statusCode, 404)
  })

  t.test('bad admin changes answer 400 naming the field', async (t) => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ password: 'new-password-123' }, /password/],
      [{ email: 'x@example.com' }, /email/],
      [{ isActive: 'no' }, /^isActive: /],
      [{ emailVerified: 1 }, /^emailVerified: /],
      [{ preferences: { theme: 'neon' } }, /^preferences\.theme: /],
    ]
    for (const [body, message] of cases) {
      const res = await patch(admin.auth, alice.user.id, body)
      t.equal(res.statusCode, 400, JSON.stringify(body))
      t.match(res.json().message, message)
    }
  })

  t.test("suspension stops the user's keys, revokes their sessions, and is audited; lifting it restores access", async (t) => {
    const frank = await createUserWithKey(prisma)
    const sessions = await Promise.all([createSession(prisma, frank.user.id), createSession(prisma, frank.user.id)])
    const otherSession = await createSession(prisma, alice.user.id)
    t.equal((await get(frank.auth, '/users/me')).statusCode, 200)

    const res = await suspend(admin.auth, frank.user.id, 'chargeback fraud')
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: frank.user.id, isSuspended: true, suspensionReason: 'chargeback fraud' })
    const refused = await get(frank.auth, '/users/me')
    t.equal(refused.statusCode, 403)
    t.match(refused.json().message, /suspended/)
    for (const s of sessions) {
      const stored = await prisma.session.findUniqueOrThrow({ where: { id: s.id } })
      t.equal(stored.isRevoked, true)
      t.ok(stored.revokedAt instanceof Date)
    }
    t.equal((await prisma.session.findUniqueOrThrow({ where: { id: otherSession.id } })).isRevoked, false, "others' sessions stay")

    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'SUSPEND', resource: 'user', resourceId: frank.user.id } })
    t.match(row, { userId: admin.user.id, success: true, method: 'POST' })
    t.same(row.oldValues, { isSuspended: false, suspensionReason: null })
    t.same(row.newValues, { isSuspended: true, suspensionReason: 'chargeback fraud', sessionsRevoked: 2 })

    const again = await suspend(admin.auth, frank.user.id)
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'CONFLICT')

    const lifted = await unsuspend(admin.auth, frank.user.id, 'cleared by billing')
    t.equal(lifted.statusCode, 200)
    t.match(lifted.json(), { isSuspended: false, suspensionReason: null })
    t.equal((await get(frank.auth, '/users/me')).statusCode, 200, 'the key works again')
    const liftRow = await prisma.auditLog.findFirstOrThrow({ where: { action: 'UNSUSPEND', resourceId: frank.user.id } })
    t.same(liftRow.oldValues, { isSuspended: true, suspensionReason: 'chargeback fraud' })
    t.same(liftRow.newValues, { isSuspended: false, suspensionReason: null, reason: 'cleared by billing' })
    t.equal((await unsuspend(admin.auth, frank.user.id)).statusCode, 409, 'not suspended')
  })

  t.test('suspension refusals: yourself, a super administrator, an unknown user, no reason', async (t) => {
    const self = await suspend(admin.auth, admin.user.id)
    t.equal(self.statusCode, 400)
    t.match(self.json().message, /yourself/)
    t.equal((await suspend(admin.auth, superAdmin.user.id)).statusCode, 403)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: superAdmin.user.id } })).isSuspended, false)
    t.equal((await suspend(admin.auth, 'no-such-user')).statusCode, 404)
    t.equal((await unsuspend(admin.auth, 'no-such-user')).statusCode, 404)

    const gina = await createUserWithKey(prisma)
    for (const reason of ['', 'x'.repeat(501), 42]) {
      const res = await suspend(admin.auth, gina.user.id, reason)
      t.equal(res.statusCode, 400)
      t.match(res.json().message, /^reason: /)
    }
    const extra = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${gina.user.id}/suspend`,
      headers: admin.auth,
      payload: { reason: 'spam', notify: true },
    })
    t.equal(extra.statusCode, 400)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: gina.user.id } })).isSuspended, false, 'nothing written')

    const bySuper = await suspend(superAdmin.auth, admin.user.id, 'audit')
    t.equal(bySuper.statusCode, 200, 'a super administrator suspends an administrator')
    t.equal((await unsuspend(superAdmin.auth, admin.user.id)).statusCode, 200)
  })
})

t.test('a search for % or _ matches those characters, not any character', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const literal = await createUserWithKey(prisma)
  const lookalike = await createUserWithKey(prisma)
  await prisma.user.update({ where: { id: literal.user.id }, data: { company: 'Acme_Co 100%' } })
  await prisma.user.update({ where: { id: lookalike.user.id }, data: { company: 'AcmeXCo 1000' } })
  const ids = async (search: string) =>
    (await app.inject({ url: `/api/v1/users?search=${encodeURIComponent(search)}`, headers: admin.auth })).json().data.map((u: { id: string }) => u.id)
  t.same(await ids('acme_'), [literal.user.id])
  t.same(await ids('100%'), [literal.user.id])
})
