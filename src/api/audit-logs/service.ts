import type { AuditLog, Prisma, PrismaClient } from '../../generated/prisma/client.js'
import { pageWindow } from '../pagination.js'
import type { ListAuditLogsQuery } from './schemas.js'

/** Audit rows across every tenant (read:audit is for administrators and support only). */
export async function listAuditLogs(prisma: PrismaClient, query: ListAuditLogsQuery): Promise<{ rows: AuditLog[]; total: number }> {
  const { userId, action, resource, resourceId, success, dateFrom, dateTo, sortOrder } = query
  const where: Prisma.AuditLogWhereInput = {
    ...(userId !== undefined && { userId }),
    ...(action !== undefined && { action }),
    ...(resource !== undefined && { resource }),
    ...(resourceId !== undefined && { resourceId }),
    ...(success !== undefined && { success }),
    ...((dateFrom !== undefined || dateTo !== undefined) && { createdAt: { gte: dateFrom, lte: dateTo } }),
  }
  const [rows, total] = await prisma.$transaction([
    prisma.auditLog.findMany({ where, orderBy: [{ createdAt: sortOrder }, { id: sortOrder }], ...pageWindow(query) }),
    prisma.auditLog.count({ where }),
  ])
  return { rows, total }
}
