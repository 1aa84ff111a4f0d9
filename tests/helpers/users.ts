import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/auth/api-keys.js'
import type { PrismaClient, UserRole } from '../../src/generated/prisma/client.js'

/**
 * A user with an active API key; returns the key's secret for `Authorization: Bearer`. The key
 * holds `admin` by default, i.e. everything the user's role allows.
 */
export async function createUserWithKey(prisma: PrismaClient, role: UserRole = 'USER', permissions: string[] = ['admin']) {
  const user = await prisma.user.create({
    data: {
      email: `user-${randomBytes(4).toString('hex')}@example.com`,
      password: '!unusable!test',
      firstName: 'Test',
      lastName: role,
      role,
    },
  })
  const key = generateApiKey()
  await prisma.apiKey.create({
    data: { userId: user.id, name: 'test', keyHash: hashApiKey(key), keyPrefix: apiKeyPrefix(key), permissions },
  })
  return { user, key, auth: { authorization: `Bearer ${key}` } }
}

let counter = 0
/**
 * A valid body for POST /api/v1/numbers with a unique number and SID: a San Francisco number
 * (valid for libphonenumber: the exchange starts with 2-9) and no price, which only
 * administrators may set.
 */
export function numberBody(overrides: Record<string, unknown> = {}) {
  counter += 1
  const subscriber = String(Math.floor(Math.random() * 1000) * 1000 + counter).padStart(6, '0').slice(-6)
  return {
    phoneNumber: `+1415${2 + (counter % 8)}${subscriber}`,
    twilioSid: `PN${randomBytes(16).toString('hex')}`,
    twilioAccountSid: `AC${'a'.repeat(32)}`,
    countryCode: 'US',
    numberType: 'LOCAL',
    capabilities: ['VOICE', 'SMS'],
    ...overrides,
  }
}

/** The four roles most API tests need, each with an all-permissions key. */
export async function createTenants(prisma: PrismaClient) {
  return {
    admin: await createUserWithKey(prisma, 'ADMIN'),
    support: await createUserWithKey(prisma, 'SUPPORT'),
    alice: await createUserWithKey(prisma),
    bob: await createUserWithKey(prisma),
  }
}

/** Registers a number for `owner` through the API with an administrator's headers. */
export async function registerNumberFor(
  app: { inject: FastifyInstance['inject'] },
  adminAuth: Record<string, string>,
  owner: { user: { id: string } },
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; phoneNumber: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: adminAuth, payload: numberBody({ userId: owner.user.id, ...overrides }) })
  if (res.statusCode !== 201) throw new Error(`registering a number failed: ${res.statusCode} ${res.body}`)
  return res.json()
}
