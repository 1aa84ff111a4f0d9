import type { RouteOptions } from 'fastify'
import t from 'tap'
import { requireAccessAndAudit } from '../../src/http/api.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('the API scope refuses to register a route that is open, unaudited or undocumented', async (t) => {
  const handler = async () => ({})
  const documented = { tags: ['x'], summary: 'x' }
  const route = (over: Partial<RouteOptions>): RouteOptions => ({ method: 'GET', url: '/x', handler, schema: documented, ...over })
  const table: Array<[string, RouteOptions, RegExp | undefined]> = [
    ['a read route naming its access', route({ config: { access: 'read:numbers' } }), undefined],
    ['a mutation naming access and audit', route({ method: 'POST', config: { access: 'write:numbers', audit: { action: 'CREATE', resource: 'n' } } }), undefined],
    ['a read-only POST that opts out of auditing', route({ method: 'POST', config: { access: 'read:config', audit: false } }), undefined],
    ['a route without access', route({}), /does not declare config.access/],
    ['a mutation without audit', route({ method: 'DELETE', config: { access: 'write:numbers' } }), /does not declare config.audit/],
    ['a route without tags', route({ config: { access: 'public' }, schema: { summary: 'x' } }), /no schema tags and summary/],
  ]
  for (const [name, options, error] of table) {
    if (error === undefined) t.doesNotThrow(() => requireAccessAndAudit(options), name)
    else t.throws(() => requireAccessAndAudit(options), error, name)
  }
})

t.test('bad input is refused with a clear error and leaves nothing behind', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { auth, user } = await createUserWithKey(prisma)
  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/numbers', headers: { ...auth, 'content-type': 'application/json', ...headers }, payload })

  const cases: Array<[string, () => ReturnType<typeof post>, number, string, RegExp]> = [
    ['malformed JSON', () => post('{"phoneNumber": '), 400, 'BAD_REQUEST', /JSON/i],
    ['a body over the limit', () => post(JSON.stringify({ ...numberBody(), notes: 'x'.repeat(1_100_000) })), 413, 'PAYLOAD_TOO_LARGE', /too large/i],
    ['a body that is not JSON', () => post('phoneNumber=+14155550100', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', /content-type/i],
    ['an unknown field', () => post(JSON.stringify({ ...numberBody(), colour: 'red' })), 400, 'VALIDATION_FAILED', /colour/],
    ['a field of the wrong type', () => post(JSON.stringify({ ...numberBody(), capabilities: 'VOICE' })), 400, 'VALIDATION_FAILED', /^capabilities: /],
  ]
  for (const [name, send, status, code, message] of cases) {
    const res = await send()
    t.equal(res.statusCode, status, name)
    const body = res.json()
    t.equal(body.code, code, name)
    t.match(body.message, message, name)
    t.equal(body.requestId, res.headers['x-request-id'], `${name}: the error names its request`)
  }
  t.equal(await prisma.number.count(), 0, 'no number was written')

  const refused = await prisma.auditLog.findMany({ where: { resource: 'number' }, orderBy: { createdAt: 'asc' } })
  t.ok(refused.length >= 3, 'refused mutations are audited')
  t.ok(refused.every((row) => row.success === false && row.userId === user.id && row.method === 'POST' && row.endpoint === '/api/v1/numbers'))
  t.ok(refused.some((row) => /colour/.test(row.errorMessage ?? '')), 'with the reason')
})

t.test('a successful mutation is audited with who, what and from where', async (t) => {
  const app = await buildTestApp(t)
  const { auth, user } = await createUserWithKey(app.db.prisma)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/numbers',
    headers: { ...auth, 'user-agent': 'audit-test/1.0' },
    payload: numberBody({ friendlyName: 'Front desk' }),
  })
  t.equal(res.statusCode, 201)
  const rows = await app.db.prisma.auditLog.findMany({ where: { resourceId: res.json().id } })
  t.equal(rows.length, 1)
  t.match(rows[0], {
    userId: user.id,
    action: 'CREATE',
    resource: 'number',
    success: true,
    errorMessage: null,
    method: 'POST',
    endpoint: '/api/v1/numbers',
    userAgent: 'audit-test/1.0',
    ipAddress: '127.0.0.1',
    newValues: { friendlyName: 'Front desk', phoneNumber: res.json().phoneNumber },
  })
})

t.test('reads are not audited', async (t) => {
  const app = await buildTestApp(t)
  const { auth } = await createUserWithKey(app.db.prisma)
  t.equal((await app.inject({ url: '/api/v1/users/me', headers: auth })).statusCode, 200)
  t.equal(await app.db.prisma.auditLog.count(), 0)
})

t.test('requests that never authenticated leave no audit rows; refused logins do', async (t) => {
  const app = await buildTestApp(t)
  const anonymous = await app.inject({ method: 'POST', url: '/api/v1/numbers', payload: numberBody() })
  t.equal(anonymous.statusCode, 401)
  const forged = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: { authorization: 'Bearer dek_forged' }, payload: numberBody() })
  t.equal(forged.statusCode, 401)
  t.equal(await app.db.prisma.auditLog.count(), 0)

  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: 'Wrong-password-1' } })
  t.equal(login.statusCode, 401)
  t.equal(await app.db.prisma.auditLog.count({ where: { action: 'LOGIN_FAILED', success: false } }), 1)
})
