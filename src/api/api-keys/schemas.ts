import { z } from 'zod'
import { PERMISSIONS } from '../../auth/permissions.js'
import type { ApiKey } from '../../generated/prisma/client.js'

export const permissionSchema = z.enum(PERMISSIONS)

export const createApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  permissions: z
    .array(permissionSchema)
    .min(1, 'at least one permission')
    .refine((p) => new Set(p).size === p.length, 'must not repeat'),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO timestamp such as 2027-01-31T00:00:00Z' })
    .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
    .optional()
    .describe('When the key stops working; none means it works until revoked'),
})

export type CreateApiKeyInput = z.infer<typeof createApiKeyBodySchema>

/** A key as its owner sees it later: never the secret, never its hash. */
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string().describe('The first characters of the secret, to tell keys apart'),
  permissions: z.array(z.string()),
  isActive: z.boolean().describe('false once revoked'),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  usageCount: z.number().int(),
  createdAt: z.iso.datetime(),
})

export type ApiKeyView = z.infer<typeof apiKeySchema>

/** The answer to a creation: the one and only time the secret leaves the server. */
export const createdApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string(),
  permissions: z.array(z.string()),
  expiresAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  key: z.string().describe('The secret: shown only in this answer; store it now'),
})

export function toApiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    keyPrefix: k.keyPrefix,
    permissions: k.permissions,
    isActive: k.isActive,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    usageCount: k.usageCount,
    createdAt: k.createdAt.toISOString(),
  }
}
