import type { UserRole } from '../generated/prisma/client.js'

/**
 * What an API key or a session may do. Every management-API route names one permission (or
 * says it is public, or open to any authenticated caller), and the authentication plugin checks
 * it before the handler runs. Tenancy (whose rows) is a separate question: see access.ts.
 */
export const PERMISSIONS = [
  'read:numbers',
  'write:numbers',
  'read:config',
  'write:config',
  'read:logs',
  'read:billing',
  'write:billing',
  'read:webhooks',
  'write:webhooks',
  'read:users',
  'write:users',
  'read:audit',
  'admin',
] as const

export type Permission = (typeof PERMISSIONS)[number]

const TENANT: readonly Permission[] = [
  'read:numbers',
  'write:numbers',
  'read:config',
  'write:config',
  'read:logs',
  'read:billing',
  'write:billing',
  'read:webhooks',
  'write:webhooks',
]

/** What each role may do at most; a key never grants more than its owner's role. */
const ROLE_PERMISSIONS: Record<UserRole, readonly Permission[]> = {
  USER: TENANT,
  DEVELOPER: TENANT,
  // Support reads everything, changes nothing.
  SUPPORT: PERMISSIONS.filter((p) => p.startsWith('read:')),
  ADMIN: PERMISSIONS,
  SUPER_ADMIN: PERMISSIONS,
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

/** The permissions a signed-in session carries: its role's. */
export function rolePermissions(role: UserRole): Permission[] {
  return [...ROLE_PERMISSIONS[role]]
}

/**
 * The permissions an API key actually has: those it was given, `admin` standing for all of
 * them, limited to what its owner's role allows today (a demoted owner's keys shrink with them).
 */
export function keyPermissions(granted: readonly string[], role: UserRole): Permission[] {
  const allowed = ROLE_PERMISSIONS[role]
  if (granted.includes('admin')) return [...allowed]
  return allowed.filter((p) => granted.includes(p))
}
