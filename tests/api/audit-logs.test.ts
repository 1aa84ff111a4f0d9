import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey } from '../helpers/users.js'

type Headers = Record<string, string>
interface Row {
  id: string
  userId: string | null
  action: string
  resource: string
  resourceId: string | null
  success: boolean
  createdAt: string
  [k: string]: unknown
}

t.test('audit logs API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const support = await createUserWithKey(prisma, 'SUPPORT')
  const alice = await createUserWithKey(prisma)

  // A few mutations to read back: a key created, a profile changed, a refused change.
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { ...alice.auth, 'user-agent': 'audit-test/1.0' },
    payload: { name: 'audited', permissions: ['read:numbers'] },
  })
  t.equal(created.statusCode, 201)
  const secret: string = created.json().key
  const keyId: string = created.json().id
  t.equal((await app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: alice.auth, payload: { firstName: 'Alice' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: alice.auth, payload: { role: 'ADMIN' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, headers: alice.auth })).statusCode, 204)

  const list = (headers: Headers, query = '') => app.inject({ method: 'GET', url: `/api/v1/audit-logs${query}`, headers })
  const rows = async (t: Test, query: string) => {
    const res = await list(admin.auth, query)
    t.equal(res.statusCode, 200, query)
    return res.json().data as Row[]
  }

  t.test('the audit trail answers every row, newest first, with the full row shape', async (t) => {
    const res = await list(admin.auth)
    t.equal(res.statusCode, 200)
    const { data, pagination } = res.json() as { data: Row[]; pagination: unknown }
    const total = await prisma.auditLog.count()
    t.equal(total, 4)
    t.same(pagination, { page: 1, limit: 20, total, totalPages: 1, hasNext: false, hasPrevious: false })
    t.ok(data.every((r, i) => i === 0 || r.createdAt <= data[i - 1]!.createdAt), 'newest first')
    const keyRow = data.find((r) => r.action === 'CREATE')!
    t.same(Object.keys(keyRow).sort(), [
      'action', 'createdAt', 'endpoint', 'errorMessage', 'id', 'ipAddress', 'method', 'newValues', 'oldValues',
      'resource', 'resourceId', 'success', 'userAgent', 'userId',
    ])
    t.match(keyRow, {
      userId: alice.user.id,
      resource: 'api_key',
      resourceId: keyId,
      oldValues: null,
      newValues: { id: keyId, name: 'audited', permissions: ['read:numbers'] },
      ipAddress: '127.0.0.1',
      userAgent: 'audit-test/1.0',
      endpoint: '/api/v1/api-keys',
      method: 'POST',
      success: true,
      errorMessage: null,
    })
    t.notOk(res.body.includes(secret), 'no secret in the trail')
    t.notOk(/dek_[A-Za-z0-9_-]{20,}|keyHash/i.test(res.body), 'no secret or key hash of any key')
  })

  t.test('filters narrow the trail by user, action, resource, resource id, outcome and date', async (t) => {
    t.same((await rows(t, `?userId=${alice.user.id}`)).length, 4)
    t.same((await rows(t, `?userId=${admin.user.id}`)).length, 0)
    t.same((await rows(t, '?action=UPDATE')).map((r) => r.success).sort(), [false, true])
    t.same((await rows(t, '?resource=api_key')).map((r) => r.action).sort(), ['CREATE', 'DELETE'])
    t.same((await rows(t, `?resourceId=${keyId}`)).map((r) => r.action).sort(), ['CREATE', 'DELETE'])
    const failed = await rows(t, '?success=false')
    t.equal(failed.length, 1)
    t.match(failed[0], { action: 'UPDATE', resource: 'user', success: false, errorMessage: /role/ })
    t.equal((await rows(t, '?success=true&action=UPDATE&resource=user')).length, 1)
    t.equal((await rows(t, '?dateFrom=2999-01-01')).length, 0)
    t.equal((await rows(t, '?dateTo=2000-01-01')).length, 0)
    t.equal((await rows(t, `?dateFrom=${new Date(Date.now() - 3_600_000).toISOString()}&dateTo=${new Date(Date.now() + 3_600_000).toISOString()}`)).length, 4)
  })

  t.test('the trail pages', async (t) => {
    const res = await list(admin.auth, '?limit=3&page=2')
    t.equal(res.statusCode, 200)
    const { data, pagination } = res.json()
    t.equal(data.length, 1)
    t.same(pagination, { page: 2, limit: 3, total: 4, totalPages: 2, hasNext: false, hasPrevious: true })
    const all = await rows(t, '?limit=100&sortOrder=asc')
    t.ok(all.every((r, i) => i === 0 || r.createdAt >= all[i - 1]!.createdAt), 'oldest first when asked')
  })

  t.test('administrators and support read the trail; a USER gets 403 and nobody reads it without credentials', async (t) => {
    t.equal((await list(support.auth)).statusCode, 200)
    const user = await list(alice.auth)
    t.equal(user.statusCode, 403)
    t.match(user.json().message, /read:audit/)
    t.equal((await list({})).statusCode, 401)
  })

  const badQueries: Array<[string, RegExp]> = [
    ['success=maybe', /^querystring\.success: must be true or false/],
    ['sortBy=action', /^querystring\.sortBy: /],
    ['page=0', /^querystring\.page: /],
    ['dateTo=whenever', /^querystring\.dateTo: /],
    ['actor=me', /actor/],
  ]
  for (const [query, message] of badQueries) {
    t.test(`the trail with ${query} answers 400 naming the parameter`, async (t) => {
      const res = await list(admin.auth, `?${query}`)
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
    })
  }
})
