import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../auth/api-keys.js'
import { type Permission, rolePermissions } from '../../auth/permissions.js'
import type { Principal } from '../../auth/principal.js'
import { forbidden, notFound } from '../../errors.js'
import type { ApiKey, PrismaClient } from '../../generated/prisma/client.js'
import type { CreateApiKeyInput } from './schemas.js'

/**
 * A caller cannot mint more than they hold, or a narrow key could mint itself a wide one.
 * `admin` on a key means "everything my role allows", so only a caller who holds all of that
 * right now may grant it.
 */
export function assertCanGrant(principal: Principal, requested: readonly Permission[]): void {
  for (const permission of requested) {
    if (permission === 'admin') {
      const holdsEverything = rolePermissions(principal.user.role).every((p) => principal.permissions.includes(p))
      if (!holdsEverything) {
        throw forbidden('you cannot grant the admin permission: your credentials do not carry everything your role allows')
      }
    } else if (!principal.permissions.includes(permission)) {
      throw forbidden(`you cannot grant the ${permission} permission: your credentials do not carry it`)
    }
  }
}

/** Creates a key for the caller; the secret is returned here and never stored. */
export async function createApiKey(
  prisma: PrismaClient,
  principal: Principal,
  input: CreateApiKeyInput,
): Promise<{ row: ApiKey; secret: string }> {
  assertCanGrant(principal, input.permissions)
  const secret = generateApiKey()
  const row = await prisma.apiKey.create({
    data: {
      userId: principal.user.id,
      name: input.name,
      keyHash: hashApiKey(secret),
      keyPrefix: apiKeyPrefix(secret),
      permissions: input.permissions,
      expiresAt: input.expiresAt === undefined ? null : new Date(input.expiresAt),
    },
  })
  return { row, secret }
}

/** The caller's keys, revoked ones included, newest first. */
export function listApiKeys(prisma: PrismaClient, principal: Principal): Promise<ApiKey[]> {
  return prisma.apiKey.findMany({ where: { userId: principal.user.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
}

/**
 * Revokes one of the caller's own keys and returns it as it was. Another user's key is not
 * found, even for administrators: they stop someone else's keys by suspending that user.
 * Revoking a revoked key changes nothing and succeeds.
 */
export async function revokeApiKey(prisma: PrismaClient, principal: Principal, id: string): Promise<ApiKey> {
  const key = await prisma.apiKey.findFirst({ where: { id, userId: principal.user.id } })
  if (key === null) throw notFound('API key')
  if (key.isActive) await prisma.apiKey.update({ where: { id }, data: { isActive: false } })
  return key
}
