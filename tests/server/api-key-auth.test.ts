import pg from 'pg'
import t from 'tap'
import { build } from '../../src/app.js'
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/auth/api-keys.js'
import { testConfig } from '../helpers/app.js'

const ADMIN_KEY = 'test-bootstrap-key-0123456789abcdef'
const env = { BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com', BOOTSTRAP_ADMIN_API_KEY: ADMIN_KEY }

t.test('API keys', async (t) => {
  const config = await testConfig(t, env)
  const app = await build(config)
  t.teardown(() => app.close())
  const prisma = app.db.prisma
  const me = (authorization?: string) =>
    app.inject({ method: 'GET', url: '/api/v1/users/me', headers: authorization ? { authorization } : {} })

  t.test('the bootstrap admin exists as a verified SUPER_ADMIN with an unusable password', async (t) => {
    const user = await prisma.user.findUniqueOrThrow({ where: { email: 'root@example.com' }, include: { apiKeys: true } })
    t.equal(user.role, 'SUPER_ADMIN')
    t.equal(user.emailVerified, true)
    t.match(user.password, /^!unusable!/)
    t.equal(user.apiKeys.length, 1)
    t.equal(user.apiKeys[0]?.keyHash, hashApiKey(ADMIN_KEY), 'only the hash is stored')
    t.equal(user.apiKeys[0]?.keyPrefix, apiKeyPrefix(ADMIN_KEY))
    t.not(user.apiKeys[0]?.keyHash, ADMIN_KEY)
  })

  t.test('bootstrap is idempotent across restarts', async (t) => {
    const again = await build(config)
    await again.close()
    t.equal(await prisma.user.count({ where: { email: 'root@example.com' } }), 1)
    t.equal(await prisma.apiKey.count(), 1)
  })

  t.test('the bootstrap key authenticates and users/me returns no secret field', async (t) => {
    const res = await me(`Bearer ${ADMIN_KEY}`)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.email, 'root@example.com')
    t.equal(body.role, 'SUPER_ADMIN')
    for (const secret of ['password', 'emailVerificationToken', 'passwordResetToken', 'emailVerificationExpires', 'passwordResetExpires']) {
      t.notOk(secret in body, `${secret} is not returned`)
    }
    t.notMatch(res.body, /unusable/)
  })

  t.test('a key is accepted whatever the case of the Bearer scheme', async (t) => {
    t.equal((await me(`bearer ${ADMIN_KEY}`)).statusCode, 200)
  })

  const user = await prisma.user.findUniqueOrThrow({ where: { email: 'root@example.com' } })
  const makeKey = async (data: { isActive?: boolean; expiresAt?: Date }) => {
    const secret = generateApiKey()
    await prisma.apiKey.create({
      data: { userId: user.id, name: 'test', keyHash: hashApiKey(secret), keyPrefix: apiKeyPrefix(secret), permissions: [], ...data },
    })
    return secret
  }

  const unauthorizedCases: Array<[string, () => Promise<string | undefined>]> = [
    ['no Authorization header', async () => undefined],
    ['a header that is not Bearer', async () => `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString('base64')}`],
    ['an unknown key', async () => `Bearer ${generateApiKey()}`],
    ['an inactive key', async () => `Bearer ${await makeKey({ isActive: false })}`],
    ['an expired key', async () => `Bearer ${await makeKey({ expiresAt: new Date(Date.now() - 1000) })}`],
  ]
  for (const [what, header] of unauthorizedCases) {
    t.test(`${what} answers 401 in the error shape`, async (t) => {
      const res = await me(await header())
      t.equal(res.statusCode, 401)
      const body = res.json()
      t.equal(body.statusCode, 401)
      t.equal(body.code, 'UNAUTHORIZED')
      t.type(body.message, 'string')
      t.equal(body.requestId, res.headers['x-request-id'])
    })
  }

  t.test('a key that expires in the future still works', async (t) => {
    t.equal((await me(`Bearer ${await makeKey({ expiresAt: new Date(Date.now() + 60_000) })}`)).statusCode, 200)
  })

  t.test('a suspended user is refused with 403 even with a valid key', async (t) => {
    const other = await prisma.user.create({
      data: { email: 'suspended@example.com', password: '!', firstName: 'S', lastName: 'U', isSuspended: true },
    })
    const secret = generateApiKey()
    await prisma.apiKey.create({
      data: { userId: other.id, name: 'k', keyHash: hashApiKey(secret), keyPrefix: apiKeyPrefix(secret), permissions: [] },
    })
    const res = await me(`Bearer ${secret}`)
    t.equal(res.statusCode, 403)
    t.equal(res.json().code, 'FORBIDDEN')
  })

  t.test('key use is recorded after the answer, once per request', async (t) => {
    const secret = await makeKey({})
    for (let i = 0; i < 3; i++) t.equal((await me(`Bearer ${secret}`)).statusCode, 200)
    // Nothing was written on the request path: the recorder flushes about once a second.
    let key = await prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(secret) } })
    for (let i = 0; i < 40 && key.usageCount < 3; i++) {
      await new Promise((r) => setTimeout(r, 100))
      key = await prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(secret) } })
    }
    t.equal(key.usageCount, 3)
    t.ok(key.lastUsedAt instanceof Date)
  })

  t.test('uses counted just before shutdown are written by close', async (t) => {
    const url = config.database.url as string
    const secret = await makeKey({})
    const second = await build(config)
    t.equal((await second.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${secret}` } })).statusCode, 200)
    await second.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('SELECT usage_count FROM api_keys WHERE key_hash = $1', [hashApiKey(secret)])
    await client.end()
    t.equal(rows[0]?.usage_count, 1)
  })
})

t.test('a changed bootstrap key replaces the previous one', async (t) => {
  const config = await testConfig(t, env)
  await (await build(config)).close()
  const newKey = 'rotated-bootstrap-key-abcdefghijklmnop'
  const rotated = await build({ ...config, bootstrapAdmin: { email: 'root@example.com', apiKey: newKey } })
  t.teardown(() => rotated.close())
  const get = (key: string) =>
    rotated.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${key}` } })
  t.equal((await get(newKey)).statusCode, 200)
  t.equal((await get(ADMIN_KEY)).statusCode, 401)
})
