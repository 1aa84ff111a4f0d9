import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { randomIp } from '../helpers/sessions.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const uniqueEmail = () => `Ann.${randomBytes(4).toString('hex')}@Example.com`
const strongPassword = 'Tr0ub4dor&three'

t.test('registration and email verification', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  // Each from its own client address: registrations are limited per IP (tests/mail covers it).
  const register = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/register', payload, remoteAddress: randomIp() })
  const body = (overrides: Record<string, unknown> = {}) => ({
    email: uniqueEmail(),
    password: strongPassword,
    firstName: 'Ann',
    lastName: 'Lee',
    ...overrides,
  })

  t.test('registering answers 201 with the public user, its email trimmed and lower-cased', async (t) => {
    const input = body({ email: `  ${uniqueEmail()} `, company: 'Acme', phone: '+14155550123', timezone: 'Europe/Paris', language: 'fr' })
    const res = await register(input)
    t.equal(res.statusCode, 201, res.body)
    const user = res.json()
    t.match(user, {
      email: (input.email as string).trim().toLowerCase(),
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Acme',
      phone: '+14155550123',
      timezone: 'Europe/Paris',
      language: 'fr',
      role: 'USER',
      emailVerified: false,
      isActive: true,
    })
    t.notOk('password' in user, 'no password hash in the answer')
    t.notMatch(res.body, /token/i, 'no token of any kind in the answer')
  })

  t.test('the stored password is a scrypt hash and the verification token only a SHA-256, expiring in 24 hours', async (t) => {
    const input = body()
    const res = await register(input)
    t.equal(res.statusCode, 201)
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: res.json().id } })
    t.match(stored.password, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    t.notOk(stored.password.includes(strongPassword))
    t.match(stored.emailVerificationToken, /^[0-9a-f]{64}$/)
    const hoursLeft = (stored.emailVerificationExpires!.getTime() - Date.now()) / 3_600_000
    t.ok(hoursLeft > 23.9 && hoursLeft <= 24, `expires in 24 h (got ${hoursLeft.toFixed(3)} h)`)
  })

  t.test('a second account with the same email, in any case, answers 409 and writes nothing', async (t) => {
    const input = body()
    t.equal((await register(input)).statusCode, 201)
    const again = await register(body({ email: (input.email as string).toUpperCase() }))
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'CONFLICT')
    t.equal(await prisma.user.count({ where: { email: (input.email as string).toLowerCase() } }), 1)
  })

  t.test('two simultaneous registrations of one email create one account; the other answers 409', async (t) => {
    const input = body()
    const answers = await Promise.all([register(input), register(input)])
    t.same(answers.map((r) => r.statusCode).sort(), [201, 409])
    t.equal(await prisma.user.count({ where: { email: (input.email as string).toLowerCase() } }), 1)
  })

  const weak: Array<[string, (email: string) => string, RegExp]> = [
    ['a password shorter than 10 characters', () => 'Ab1!xyz', /^password: must be at least 10 characters/],
    ['a password of only lower case and digits', () => 'abcdefgh1234', /^password: must contain at least three of/],
    ['a password containing the email local part', (email) => `${email.split('@')[0]}X9!`, /^password: must not contain the email/],
  ]
  for (const [what, password, message] of weak) {
    t.test(`${what} answers 400 naming the password and creates no account`, async (t) => {
      const input = body()
      const res = await register({ ...input, password: password((input.email as string).toLowerCase()) })
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.same(res.json().details, [{ path: 'password', message: res.json().message.replace(/^password: /, '') }])
      t.equal(await prisma.user.count({ where: { email: (input.email as string).toLowerCase() } }), 0)
    })
  }

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown field', { role: 'ADMIN' }, /role/],
    ['an email that is not one', { email: 'ann.example.com' }, /^email: must be an email address/],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, /^timezone: must be an IANA time zone/],
    ['a phone number that is not E.164', { phone: '555-0123' }, /^phone: must be an E\.164 number/],
    ['an empty first name', { firstName: '   ' }, /^firstName: must not be empty/],
  ]
  for (const [what, override, message] of invalid) {
    t.test(`${what} answers 400 naming the field and creates no account`, async (t) => {
      const before = await prisma.user.count()
      const res = await register(body(override))
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.equal(await prisma.user.count(), before)
    })
  }

  t.test('a registration is audited with the new account and without the password', async (t) => {
    const res = await register(body())
    const id = res.json().id as string
    const row = await prisma.auditLog.findFirstOrThrow({ where: { action: 'REGISTER', resourceId: id } })
    t.equal(row.userId, id)
    t.equal(row.success, true)
    t.notMatch(JSON.stringify(row), new RegExp(strongPassword.replace(/[&]/g, '\\$&')))
    t.notMatch(JSON.stringify(row), /scrypt\$/)
  })

  // The raw token only ever leaves by email (in development: the log), so these tests give a
  // fresh account a token of their own making, stored the way the server stores it.
  async function accountWithVerificationToken(expires: Date) {
    const res = await register(body())
    const token = randomBytes(32).toString('base64url')
    await prisma.user.update({
      where: { id: res.json().id },
      data: { emailVerificationToken: sha256(token), emailVerificationExpires: expires },
    })
    return { id: res.json().id as string, token }
  }
  const verify = (token: string) => app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } })

  t.test('a verification token verifies the email once; the second use answers 400', async (t) => {
    const { id, token } = await accountWithVerificationToken(new Date(Date.now() + 3_600_000))
    const first = await verify(token)
    t.equal(first.statusCode, 200)
    t.same(first.json(), { emailVerified: true })
    const stored = await prisma.user.findUniqueOrThrow({ where: { id } })
    t.equal(stored.emailVerified, true)
    t.equal(stored.emailVerificationToken, null, 'the token is cleared')
    const second = await verify(token)
    t.equal(second.statusCode, 400)
    t.match(second.json(), { code: 'VALIDATION_FAILED', message: 'invalid or expired token' })
  })

  t.test('an expired verification token answers 400 and verifies nothing', async (t) => {
    const { id, token } = await accountWithVerificationToken(new Date(Date.now() - 1000))
    const res = await verify(token)
    t.equal(res.statusCode, 400)
    t.equal(res.json().message, 'invalid or expired token')
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id } })).emailVerified, false)
  })

  t.test('the stored hash itself is not a token', async (t) => {
    const { token } = await accountWithVerificationToken(new Date(Date.now() + 3_600_000))
    t.equal((await verify(sha256(token))).statusCode, 400)
    t.equal((await verify(token)).statusCode, 200)
  })
})

t.test('with REGISTRATION_OPEN=false registering answers 403 and creates nothing', async (t) => {
  const app = await buildTestApp(t, { REGISTRATION_OPEN: 'false' })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: uniqueEmail(), password: strongPassword, firstName: 'Ann', lastName: 'Lee' },
  })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'FORBIDDEN')
  t.match(res.json().message, /registration is closed/)
  t.equal(await app.db.prisma.user.count(), 0)
})
