import { createHash, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { RateLimiter } from '../../src/auth/rate-limit.js'
import { buildTestApp } from '../helpers/app.js'
import { SHARED_REDIS_URL, testKeyPrefix } from '../helpers/redis.js'
import { createUserWithPassword, randomIp, TEST_PASSWORD } from '../helpers/sessions.js'

const LIMIT = { AUTH_RATE_LIMIT_MAX: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: '600' }
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const unknownEmail = () => `nobody-${randomBytes(4).toString('hex')}@example.com`

type App = Awaited<ReturnType<typeof buildTestApp>>
const attempt = (app: App, email: string, password: string, ip: string, userAgent = 'test') =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip, headers: { 'user-agent': userAgent } })

function retryAfter(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json: () => { code: string } }) {
  t.equal(res.statusCode, 429)
  t.equal(res.json().code, 'RATE_LIMITED')
  const seconds = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 600, `Retry-After is the rest of the window (got ${String(res.headers['retry-after'])})`)
}

t.test('login and password reset are rate limited in memory', async (t) => {
  const app = await buildTestApp(t, LIMIT)
  const prisma = app.db.prisma

  t.test('per email: the attempt after the limit answers 429 from any IP, even with the right password', async (t) => {
    const { user, email } = await createUserWithPassword(prisma)
    for (let i = 0; i < 3; i++) t.equal((await attempt(app, email, 'Wrong-password-1', randomIp())).statusCode, 401)
    const res = await attempt(app, email, TEST_PASSWORD, randomIp(), 'limited/1.0')
    retryAfter(t, res)
    t.equal(await prisma.session.count({ where: { userId: user.id } }), 0, 'no session was issued')
    const row = await prisma.auditLog.findFirstOrThrow({ where: { userAgent: 'limited/1.0' } })
    t.match(row, { action: 'LOGIN_FAILED', success: false, errorMessage: /^too many attempts/ })
  })

  t.test('per IP: the attempt after the limit answers 429 whatever the email; another IP is unaffected', async (t) => {
    const { email } = await createUserWithPassword(prisma)
    const ip = randomIp()
    for (let i = 0; i < 3; i++) t.equal((await attempt(app, unknownEmail(), 'Wrong-password-1', ip)).statusCode, 401)
    retryAfter(t, await attempt(app, email, TEST_PASSWORD, ip))
    t.equal((await attempt(app, email, TEST_PASSWORD, randomIp())).statusCode, 200)
  })

  t.test('successful logins do not count toward the limit, per email or per IP; failures do', async (t) => {
    const { email } = await createUserWithPassword(prisma)
    const ip = randomIp()
    for (let i = 0; i < 5; i++) t.equal((await attempt(app, email, TEST_PASSWORD, ip)).statusCode, 200)
    t.equal((await attempt(app, email, 'Wrong-password-1', ip)).statusCode, 401)
    t.equal((await attempt(app, email, 'Wrong-password-1', ip)).statusCode, 401)
    t.equal((await attempt(app, email, TEST_PASSWORD, ip)).statusCode, 200, 'two failures and five successes are under a limit of three')
    t.equal((await attempt(app, email, 'Wrong-password-1', ip)).statusCode, 401)
    retryAfter(t, await attempt(app, email, TEST_PASSWORD, ip))
  })

  t.test('parallel wrong guesses are each counted before their password is checked: no more than the limit get through', async (t) => {
    const { email } = await createUserWithPassword(prisma)
    const answers = await Promise.all(Array.from({ length: 8 }, () => attempt(app, email, 'Wrong-password-1', randomIp())))
    const statuses = answers.map((a) => a.statusCode).sort()
    t.same(statuses, [401, 401, 401, 429, 429, 429, 429, 429])
  })

  t.test('password-reset requests are limited per email and per IP', async (t) => {
    const reset = (email: string, ip: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/request', payload: { email }, remoteAddress: ip })
    const email = unknownEmail()
    for (let i = 0; i < 3; i++) t.equal((await reset(email, randomIp())).statusCode, 202)
    retryAfter(t, await reset(email, randomIp()))
    const ip = randomIp()
    for (let i = 0; i < 3; i++) t.equal((await reset(unknownEmail(), ip)).statusCode, 202)
    retryAfter(t, await reset(unknownEmail(), ip))
  })

  t.test('password-reset confirmations are limited per IP before the token is looked at', async (t) => {
    const { user } = await createUserWithPassword(prisma)
    const token = randomBytes(32).toString('base64url')
    await prisma.user.update({ where: { id: user.id }, data: { passwordResetToken: sha256(token), passwordResetExpires: new Date(Date.now() + 3_600_000) } })
    const confirm = (tok: string, ip: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: tok, password: 'Brand-new-secret-99' }, remoteAddress: ip })
    const ip = randomIp()
    for (let i = 0; i < 3; i++) t.equal((await confirm(`guess-${i}`, ip)).statusCode, 400)
    retryAfter(t, await confirm(token, ip))
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordResetToken, sha256(token), 'the token was not used')
    t.equal((await confirm(token, randomIp())).statusCode, 204)
  })
})

t.test('with Redis the counters are shared by every instance', async (t) => {
  const prefix = testKeyPrefix(t)
  const env = { ...LIMIT, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix }
  const one = await buildTestApp(t, env)
  const two = await buildTestApp(t, env)
  const email = unknownEmail()
  t.equal((await attempt(one, email, 'Wrong-password-1', randomIp())).statusCode, 401)
  t.equal((await attempt(two, email, 'Wrong-password-1', randomIp())).statusCode, 401)
  t.equal((await attempt(one, email, 'Wrong-password-1', randomIp())).statusCode, 401)
  retryAfter(t, await attempt(two, email, 'Wrong-password-1', randomIp()))

  const redis = new Redis(SHARED_REDIS_URL)
  t.teardown(() => redis.disconnect())
  const key = `${prefix}ratelimit:login:email:${sha256(email).slice(0, 32)}`
  t.equal(await redis.get(key), '4', 'the counter lives in Redis under the prefix, keyed by a hash of the email')
  const ttl = await redis.pttl(key)
  t.ok(ttl > 0 && ttl <= 600_000, 'and expires with the window')
  t.same(await redis.keys(`${prefix}*${email}*`), [], 'no key holds the email itself')

  const { email: person } = await createUserWithPassword(one.db.prisma)
  const personKey = `${prefix}ratelimit:login:email:${sha256(person).slice(0, 32)}`
  t.equal((await attempt(one, person, 'Wrong-password-1', randomIp())).statusCode, 401)
  t.equal((await attempt(one, person, TEST_PASSWORD, randomIp())).statusCode, 200)
  t.equal(await redis.get(personKey), '1', 'the successful login was counted, then refunded, in Redis')
})

t.test('when Redis is unreachable, logins still work and are still limited by the instance', async (t) => {
  const app = await buildTestApp(t, { ...LIMIT, REDIS_URL: 'redis://127.0.0.1:1', REDIS_KEY_PREFIX: testKeyPrefix(t) })
  const { email } = await createUserWithPassword(app.db.prisma)
  t.equal((await attempt(app, email, TEST_PASSWORD, randomIp())).statusCode, 200)
  for (let i = 0; i < 3; i++) t.equal((await attempt(app, email, 'Wrong-password-1', randomIp())).statusCode, 401)
  retryAfter(t, await attempt(app, email, TEST_PASSWORD, randomIp()))
})

t.test('the in-memory limiter', async (t) => {
  let now = 1_000_000
  const limiter = new RateLimiter({ max: 2, windowSeconds: 60, redis: null, keyPrefix: '', now: () => now })

  t.test('a new window starts when the old one ends, and Retry-After counts down to it', async (t) => {
    t.match(await limiter.hit('k'), { count: 1, allowed: true })
    t.match(await limiter.hit('k'), { count: 2, allowed: true })
    now += 15_500
    t.same(await limiter.hit('k'), { count: 3, allowed: false, retryAfterSeconds: 45 })
    now += 44_500
    t.same(await limiter.hit('k'), { count: 1, allowed: true, retryAfterSeconds: 60 })
  })

  t.test('keys of finished windows are swept, so the map stays bounded', async (t) => {
    for (let i = 0; i < 2000; i++) await limiter.hit(`ip-${i}`)
    t.ok(limiter.trackedKeys >= 2000)
    now += 61_000
    await limiter.hit('fresh')
    t.equal(limiter.trackedKeys, 1, 'only the key of the live window remains')
  })
})

t.test('behind a trusted proxy the per-IP limit counts the client, not the proxy', async (t) => {
  const app = await buildTestApp(t, { AUTH_RATE_LIMIT_MAX: '2', TRUST_PROXY: '127.0.0.1' })
  const attempt = (client: string, email: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': client },
      payload: { email, password: 'Wrong-password-1' },
    })
  t.equal((await attempt('203.0.113.1', 'a@example.com')).statusCode, 401)
  t.equal((await attempt('203.0.113.1', 'b@example.com')).statusCode, 401)
  t.equal((await attempt('203.0.113.1', 'c@example.com')).statusCode, 429, 'the third attempt from one client is refused')
  t.equal((await attempt('203.0.113.2', 'd@example.com')).statusCode, 401, 'another client behind the same proxy is not')
})
