import { z } from 'zod'
import type { AuditLog } from '../../generated/prisma/client.js'
import { paginationQuery, queryBoolean, queryInstant } from '../pagination.js'


export const listAuditLogsQuerySchema = z.strictObject({
  userId: z.string().min(1).optional().describe('Who acted (or, for a failed login, whose account was tried)'),
  action: z.string().min(1).max(50).optional().describe('CREATE, UPDATE, DELETE, SUSPEND, LOGIN_FAILED, ...'),
  resource: z.string().min(1).max(50).optional().describe('user, api_key, number, ...'),
  resourceId: z.string().min(1).optional(),
  success: queryBoolean.optional(),
  dateFrom: queryInstant.optional().describe('At or after'),
  dateTo: queryInstant.optional().describe('At or before'),
  ...paginationQuery(['createdAt'], 'createdAt'),
})

export type ListAuditLogsQuery = z.infer<typeof listAuditLogsQuerySchema>

export const auditLogSchema = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  action: z.string(),
  resource: z.string(),
  resourceId: z.string().nullable(),
  oldValues: z.unknown().describe('The resource before the change, secrets removed'),
  newValues: z.unknown().describe('The resource after the change, secrets removed'),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  endpoint: z.string().nullable(),
  method: z.string().nullable(),
  success: z.boolean(),
  errorMessage: z.string().nullable(),
  createdAt: z.iso.datetime(),
})

export type AuditLogView = z.infer<typeof auditLogSchema>

export function toAuditLogView(row: AuditLog): AuditLogView {
  return {
    id: row.id,
    userId: row.userId,
    action: row.action,
    resource: row.resource,
    resourceId: row.resourceId,
    oldValues: row.oldValues,
    newValues: row.newValues,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    endpoint: row.endpoint,
    method: row.method,
    success: row.success,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
  }
}
