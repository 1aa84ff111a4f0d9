import t from 'tap'
import { hashApiKey } from '../../src/auth/api-keys.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()
/** A full secret (the stored prefix is 12 characters, the secret far longer). */
const SECRET_SHAPE = /dek_[A-Za-z0-9_-]{20,}/

t.test('API keys API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const admin = await createUserWithKey(prisma, 'ADMIN')

  const create = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: payload as object })
  const list = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/v1/api-keys', headers })
  const revoke = (headers: Record<string, string>, id: string) =>
    app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers })
  const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/v1/users/me', headers })

  t.test('a new key answers 201 with its secret, which is shown only then and stored only hashed', async (t) => {
    const expiresAt = inAnHour()
    const res = await create(alice.auth, { name: 'CI deploys', permissions: ['read:numbers', 'write:numbers'], expiresAt })
    t.equal(res.statusCode, 201)
    const created = res.json()
    t.match(created, { name: 'CI deploys', permissions: ['read:numbers', 'write:numbers'], expiresAt })
    t.match(created.key, SECRET_SHAPE)
    t.equal(created.keyPrefix, created.key.slice(0, 12))
    t.same(Object.keys(created).sort(), ['createdAt', 'expiresAt', 'id', 'key', 'keyPrefix', 'name', 'permissions'])

    const stored = await prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } })
    t.equal(stored.keyHash, hashApiKey(created.key))
    t.equal(stored.userId, alice.user.id)

    const listed = await list(alice.auth)
    t.equal(listed.statusCode, 200)
    const mine = listed.json().data.find((k: { id: string }) => k.id === created.id)
    t.match(mine, { name: 'CI deploys', keyPrefix: created.keyPrefix, isActive: true, expiresAt, lastUsedAt: null })
    t.type(mine.usageCount, 'number')
    t.notOk(listed.body.includes(created.key), 'the list never shows a secret')
    t.notOk(listed.body.includes(stored.keyHash), 'nor its hash')
    t.notOk(/keyHash|"key"/.test(listed.body), 'nor a field for either')
  })

  t.test('a new key signs its owner in; once revoked it answers 401', async (t) => {
    const { id, key } = (await create(alice.auth, { name: 'laptop', permissions: ['read:numbers'] })).json()
    const before = await me(bearer(key))
    t.equal(before.statusCode, 200)
    t.equal(before.json().id, alice.user.id)

    const res = await revoke(alice.auth, id)
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    const after = await me(bearer(key))
    t.equal(after.statusCode, 401)
    t.equal(after.json().code, 'UNAUTHORIZED')
    const listed = (await list(alice.auth)).json().data.find((k: { id: string }) => k.id === id)
    t.equal(listed.isActive, false, 'a revoked key stays listed, inactive')
    t.equal((await revoke(alice.auth, id)).statusCode, 204, 'revoking it again changes nothing')
  })

  t.test('an expired key answers 401', async (t) => {
    const { id, key } = (await create(alice.auth, { name: 'short-lived', permissions: ['read:numbers'], expiresAt: inAnHour() })).json()
    t.equal((await me(bearer(key))).statusCode, 200)
    await prisma.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } })
    const res = await me(bearer(key))
    t.equal(res.statusCode, 401)
  })

  t.test('a key with only read:numbers reads its owner’s number and cannot register one', async (t) => {
    const number = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })
    t.equal(number.statusCode, 201)
    const { key } = (await create(alice.auth, { name: 'read-only', permissions: ['read:numbers'] })).json()

    const refused = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: bearer(key), payload: numberBody() })
    t.equal(refused.statusCode, 403)
    t.match(refused.json().message, /write:numbers/)
    const read = await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.json().id}`, headers: bearer(key) })
    t.equal(read.statusCode, 200)
    t.equal(read.json().id, number.json().id)
  })

  t.test('a caller cannot mint a permission they do not hold (403 naming it), and nothing is written', async (t) => {
    const { key } = (await create(alice.auth, { name: 'narrow', permissions: ['read:numbers'] })).json()
    const before = await prisma.apiKey.count()

    const wider = await create(bearer(key), { name: 'wider', permissions: ['read:numbers', 'write:numbers'] })
    t.equal(wider.statusCode, 403)
    t.match(wider.json().message, /write:numbers/)
    const everything = await create(bearer(key), { name: 'everything', permissions: ['admin'] })
    t.equal(everything.statusCode, 403)
    t.match(everything.json().message, /admin/)
    const beyondRole = await create(alice.auth, { name: 'peek', permissions: ['read:users'] })
    t.equal(beyondRole.statusCode, 403, "a USER's full key still cannot grant what the USER role lacks")
    t.match(beyondRole.json().message, /read:users/)
    t.equal(await prisma.apiKey.count(), before)

    const same = await create(bearer(key), { name: 'same', permissions: ['read:numbers'] })
    t.equal(same.statusCode, 201, 'what the key holds it may pass on')
  })

  t.test('a caller holding everything their role allows may grant admin and their role’s permissions', async (t) => {
    const byUser = await create(alice.auth, { name: 'all mine', permissions: ['admin'] })
    t.equal(byUser.statusCode, 201)
    const byAdmin = await create(admin.auth, { name: 'ops', permissions: ['admin', 'read:users', 'read:audit'] })
    t.equal(byAdmin.statusCode, 201)
    const users = await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(byAdmin.json().key) })
    t.equal(users.statusCode, 200)
  })

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an empty name', { name: ' ', permissions: ['read:numbers'] }, /^name: /],
    ['a name over 100 characters', { name: 'x'.repeat(101), permissions: ['read:numbers'] }, /^name: /],
    ['no permissions', { name: 'k', permissions: [] }, /^permissions: at least one permission/],
    ['an unknown permission', { name: 'k', permissions: ['root'] }, /^permissions\[0\]: /],
    ['a repeated permission', { name: 'k', permissions: ['read:numbers', 'read:numbers'] }, /^permissions: must not repeat/],
    ['permissions as a string', { name: 'k', permissions: 'read:numbers' }, /^permissions: /],
    ['an expiry in the past', { name: 'k', permissions: ['read:numbers'], expiresAt: '2020-01-01T00:00:00Z' }, /^expiresAt: must be in the future/],
    ['an expiry that is not a timestamp', { name: 'k', permissions: ['read:numbers'], expiresAt: 'tomorrow' }, /^expiresAt: /],
    ['an unknown field', { name: 'k', permissions: ['read:numbers'], userId: 'someone-else' }, /userId/],
  ]
  for (const [what, body, message] of invalid) {
    t.test(`${what} answers 400 naming the field and writes nothing`, async (t) => {
      const before = await prisma.apiKey.count()
      const res = await create(alice.auth, body)
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.equal(await prisma.apiKey.count(), before)
    })
  }

  t.test('the key routes require credentials', async (t) => {
    t.equal((await create({}, { name: 'k', permissions: ['read:numbers'] })).statusCode, 401)
    t.equal((await list({})).statusCode, 401)
    t.equal((await revoke({}, 'anything')).statusCode, 401)
  })

  t.test("each caller lists only their own keys, newest first, and another user's key does not exist for them", async (t) => {
    const { id: bobKeyId, key: bobKey } = (await create(bob.auth, { name: 'bob', permissions: ['read:numbers'] })).json()
    await create(bob.auth, { name: 'bob 2', permissions: ['read:numbers'] })
    const bobs = (await list(bob.auth)).json().data as Array<{ id: string; createdAt: string }>
    t.ok(bobs.every((k, i) => i === 0 || k.createdAt <= bobs[i - 1]!.createdAt), 'newest first')
    const bobIds = new Set((await prisma.apiKey.findMany({ where: { userId: bob.user.id } })).map((k) => k.id))
    t.same(new Set(bobs.map((k) => k.id)), bobIds)
    t.notOk((await list(alice.auth)).json().data.some((k: { id: string }) => bobIds.has(k.id)))

    const byAlice = await revoke(alice.auth, bobKeyId)
    t.equal(byAlice.statusCode, 404)
    t.equal(byAlice.json().code, 'NOT_FOUND')
    const byAdmin = await revoke(admin.auth, bobKeyId)
    t.equal(byAdmin.statusCode, 404, 'administrators stop keys by suspending their owner, not by revoking them')
    t.equal((await me(bearer(bobKey))).statusCode, 200, "bob's key still works")
    t.equal((await revoke(alice.auth, 'no-such-key')).statusCode, 404)
  })

  t.test('creating and revoking keys leaves audit rows without any secret', async (t) => {
    const { id, key } = (await create(alice.auth, { name: 'audited', permissions: ['read:numbers'] })).json()
    t.equal((await revoke(alice.auth, id)).statusCode, 204)
    const stored = await prisma.apiKey.findUniqueOrThrow({ where: { id } })

    const created = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'api_key', action: 'CREATE', resourceId: id } })
    t.match(created, { userId: alice.user.id, success: true, method: 'POST', endpoint: '/api/v1/api-keys' })
    t.match(created.newValues, { id, name: 'audited', permissions: ['read:numbers'], keyPrefix: stored.keyPrefix })
    const deleted = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'api_key', action: 'DELETE', resourceId: id } })
    t.match(deleted, { userId: alice.user.id, success: true, method: 'DELETE' })
    t.match(deleted.oldValues, { id, isActive: true })
    t.match(deleted.newValues, { id, isActive: false })

    const refused = await revoke(bob.auth, id)
    t.equal(refused.statusCode, 404)
    const failed = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'api_key', action: 'DELETE', userId: bob.user.id, resourceId: id } })
    t.equal(failed.success, false)
    t.match(failed.errorMessage, /not found/)

    const everything = JSON.stringify(await prisma.auditLog.findMany())
    t.notOk(everything.includes(key), 'no secret')
    t.notOk(SECRET_SHAPE.test(everything), 'no secret of any key')
    t.notOk(everything.includes(stored.keyHash), 'no key hash')
    t.notOk(/keyHash/i.test(everything), 'no key hash field')
  })
})
