import { randomBytes } from 'node:crypto'
import { apiKeyPrefix, hashApiKey } from '../auth/api-keys.js'
import type { PrismaClient } from '../generated/prisma/client.js'

export const BOOTSTRAP_KEY_NAME = 'bootstrap'

/**
 * A password no login can ever match: password hashes are stored in a `scheme$...` format,
 * and this value is neither that format nor derived from any input.
 */
export function unusablePassword(): string {
  return `!unusable!${randomBytes(24).toString('base64url')}`
}

/**
 * Makes sure the first administrator exists and holds the configured API key. Safe to run on
 * every start: the user is found by email and the key by its hash, so nothing is duplicated.
 * A changed BOOTSTRAP_ADMIN_API_KEY replaces the previous bootstrap key (it is deactivated).
 * A bootstrap key revoked through the API stays revoked: start-up never re-enables a key.
 */
export async function ensureBootstrapAdmin(
  prisma: PrismaClient,
  admin: { email: string; apiKey: string },
): Promise<{ userId: string; created: boolean; keyCreated: boolean }> {
  const keyHash = hashApiKey(admin.apiKey)
  return prisma.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: admin.email } })
    const user =
      existing === null
        ? await tx.user.create({
            data: {
              email: admin.email,
              password: unusablePassword(),
              firstName: 'did-edge',
              lastName: 'Administrator',
              role: 'SUPER_ADMIN',
              emailVerified: true,
            },
          })
        : existing.role === 'SUPER_ADMIN' && existing.emailVerified
          ? existing
          : await tx.user.update({ where: { id: existing.id }, data: { role: 'SUPER_ADMIN', emailVerified: true } })

    const key = await tx.apiKey.findUnique({ where: { keyHash } })
    if (key !== null && key.userId !== user.id) {
      throw new Error('BOOTSTRAP_ADMIN_API_KEY is already the API key of another user')
    }
    if (key === null) {
      await tx.apiKey.updateMany({
        where: { userId: user.id, name: BOOTSTRAP_KEY_NAME, isActive: true },
        data: { isActive: false },
      })
      await tx.apiKey.create({
        data: {
          userId: user.id,
          name: BOOTSTRAP_KEY_NAME,
          keyHash,
          keyPrefix: apiKeyPrefix(admin.apiKey),
          permissions: ['admin'],
        },
      })
    }
    return { userId: user.id, created: existing === null, keyCreated: key === null }
  })
}
