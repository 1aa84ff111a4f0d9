import type { Principal } from './principal.js'

/**
 * Tenancy in one place. USER and DEVELOPER see and change only what they own; SUPPORT reads
 * every tenant's data and changes none; ADMIN and SUPER_ADMIN do both. Another tenant's
 * resource is reported as not found, never as forbidden, so its existence does not leak.
 */
export type AccessMode = 'read' | 'write'

export function actsOnAllTenants(principal: Principal, mode: AccessMode = 'write'): boolean {
  const role = principal.user.role
  if (role === 'ADMIN' || role === 'SUPER_ADMIN') return true
  return mode === 'read' && role === 'SUPPORT'
}

/** A Prisma `where` fragment limiting rows to what the principal may read or change. */
export function ownedRows(principal: Principal, mode: AccessMode = 'write'): { userId?: string } {
  return actsOnAllTenants(principal, mode) ? {} : { userId: principal.user.id }
}
