import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../src/auth/passwords.js'
import type { PrismaClient, User, UserRole } from '../../src/generated/prisma/client.js'

/** The password of every user createUserWithPassword makes (strong enough for the API's rule). */
export const TEST_PASSWORD = 'Correct-horse-42'

// One scrypt hash per test process, shared by every user it creates: hashing costs ~100 ms,
// and a shared salt is harmless for throwaway test accounts.
let testPasswordHash: Promise<string> | undefined

/** A user who can sign in with TEST_PASSWORD (or `password`, at the cost of one more hash). */
export async function createUserWithPassword(
  prisma: PrismaClient,
  role: UserRole = 'USER',
  options: { password?: string; data?: Partial<Pick<User, 'isActive' | 'isSuspended' | 'email' | 'emailVerified'>> } = {},
): Promise<{ user: User; email: string; password: string }> {
  const password = options.password ?? TEST_PASSWORD
  const hash = options.password === undefined ? await (testPasswordHash ??= hashPassword(TEST_PASSWORD)) : await hashPassword(password)
  const user = await prisma.user.create({
    data: {
      email: `person-${randomBytes(4).toString('hex')}@example.com`,
      password: hash,
      firstName: 'Test',
      lastName: role,
      role,
      ...options.data,
    },
  })
  return { user, email: user.email, password }
}

export interface LoggedIn {
  accessToken: string
  refreshToken: string
  sessionId: string
  /** Headers for app.inject: `{ authorization: 'Bearer <accessToken>' }`. */
  auth: { authorization: string }
}

/** Session id of an access token (its `sid` claim). */
export function sessionIdOf(accessToken: string): string {
  const payload = accessToken.split('.')[1] ?? ''
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid
}

/** A client address of its own, so helper logins never add up to the per-IP login limit. */
export function randomIp(): string {
  const [a = 0, b = 0, c = 1] = randomBytes(3)
  return `10.${a}.${b}.${Math.max(c, 1)}`
}

/**
 * Signs in through POST /api/v1/auth/login; throws with the answer when it is not 200. Each call
 * comes from its own random client IP unless `remoteAddress` says otherwise (login attempts are
 * rate limited per IP; the per-email limit, 10 by default, still applies).
 */
export async function login(
  app: FastifyInstance,
  email: string,
  password: string = TEST_PASSWORD,
  options: { remoteAddress?: string; userAgent?: string } = {},
): Promise<LoggedIn> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: options.remoteAddress ?? randomIp(),
    headers: options.userAgent === undefined ? {} : { 'user-agent': options.userAgent },
  })
  if (res.statusCode !== 200) throw new Error(`login of ${email} answered ${res.statusCode}: ${res.body}`)
  const { accessToken, refreshToken } = res.json() as { accessToken: string; refreshToken: string }
  return { accessToken, refreshToken, sessionId: sessionIdOf(accessToken), auth: { authorization: `Bearer ${accessToken}` } }
}
