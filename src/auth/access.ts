import type { Principal } from '../plugins/api-key-auth.js'

/**
 * Tenancy in one place. Administrators act on every tenant's data; everyone else only on
 * what they own. Another tenant's resource is reported as not found, never as forbidden, so
 * its existence does not leak. (The management-API issue refines roles and permissions.)
 */
export function actsOnAllTenants(principal: Principal): boolean {
  return principal.user.role === 'ADMIN' || principal.user.role === 'SUPER_ADMIN'
}

/** A Prisma `where` fragment limiting rows to what the principal may see. */
export function ownedRows(principal: Principal): { userId?: string } {
  return actsOnAllTenants(principal) ? {} : { userId: principal.user.id }
}
