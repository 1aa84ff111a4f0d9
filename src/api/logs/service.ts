import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { notFound } from '../../errors.js'
import type { CallLog, Prisma, PrismaClient, SmsLog } from '../../generated/prisma/client.js'
import { pageWindow } from '../pagination.js'
import { containsText } from '../search.js'
import type { CallLogListQuery, SmsLogListQuery } from './schemas.js'

/** Rows per query of a CSV export: big enough to amortise a round trip, small enough to hold. */
export const EXPORT_BATCH_SIZE = 1000

type Direction = 'asc' | 'desc'

function createdAtRange(query: { dateFrom?: Date; dateTo?: Date }) {
  if (query.dateFrom === undefined && query.dateTo === undefined) return undefined
  return { gte: query.dateFrom, lte: query.dateTo }
}

/** The filters call and SMS logs share, as `where` fields that fit either table. */
function sharedLogFilters<D, S>(query: {
  numberId?: string
  direction?: D
  status?: S[]
  from?: string
  to?: string
  dateFrom?: Date
  dateTo?: Date
}) {
  const createdAt = createdAtRange(query)
  return {
    ...(query.numberId !== undefined && { numberId: query.numberId }),
    ...(query.direction !== undefined && { direction: query.direction }),
    ...(query.status !== undefined && { status: { in: query.status } }),
    ...(query.from !== undefined && { fromNumber: query.from }),
    ...(query.to !== undefined && { toNumber: query.to }),
    ...(createdAt !== undefined && { createdAt }),
  }
}

/**
 * The call logs a principal may read that match the filters. Tenancy comes first and is
 * never replaced by a filter: a user asking for another user's id gets their own rows AND
 * that id, i.e. nothing.
 */
export function callLogWhere(principal: Principal, query: CallLogListQuery): Prisma.CallLogWhereInput {
  const where: Prisma.CallLogWhereInput = { ...ownedRows(principal, 'read'), ...sharedLogFilters(query) }
  if (query.userId !== undefined) where.AND = [{ userId: query.userId }]
  if (query.search !== undefined) {
    const s = containsText(query.search)
    where.OR = [{ fromNumber: s }, { toNumber: s }, { twilioCallSid: s }]
  }
  return where
}

/**
 * Newest first by default. The id breaks ties so a page boundary never splits or repeats rows
 * created in the same millisecond; with the default sort, the per-number list is served by
 * idx_call_logs_number_date and the per-tenant list by the created_at / user_id indexes.
 */
function callLogOrder(query: CallLogListQuery): Prisma.CallLogOrderByWithRelationInput[] {
  const dir = query.sortOrder
  const tail: Prisma.CallLogOrderByWithRelationInput[] = [{ createdAt: dir }, { id: dir }]
  return query.sortBy === 'duration' ? [{ duration: { sort: dir, nulls: 'last' } }, ...tail] : tail
}

export async function listCallLogs(
  prisma: PrismaClient,
  principal: Principal,
  query: CallLogListQuery,
): Promise<{ rows: CallLog[]; total: number }> {
  const where = callLogWhere(principal, query)
  const [rows, total] = await Promise.all([
    prisma.callLog.findMany({ where, orderBy: callLogOrder(query), ...pageWindow(query) }),
    prisma.callLog.count({ where }),
  ])
  return { rows, total }
}

/** One call log the principal may read, or NOT_FOUND (also for another tenant's). */
export async function getCallLog(prisma: PrismaClient, principal: Principal, id: string): Promise<CallLog> {
  const row = await prisma.callLog.findFirst({ where: { id, ...ownedRows(principal, 'read') } })
  if (row === null) throw notFound('call log')
  return row
}

/** SmsLog has no owner column: a message belongs to whoever owns its number. */
export function smsLogWhere(principal: Principal, query: SmsLogListQuery): Prisma.SmsLogWhereInput {
  const owned = ownedRows(principal, 'read')
  const where: Prisma.SmsLogWhereInput = {
    ...(owned.userId !== undefined && { number: { userId: owned.userId } }),
    ...sharedLogFilters(query),
  }
  if (query.userId !== undefined) where.AND = [{ number: { userId: query.userId } }]
  if (query.search !== undefined) {
    const s = containsText(query.search)
    where.OR = [{ fromNumber: s }, { toNumber: s }, { body: s }, { twilioMessageSid: s }]
  }
  return where
}

export async function listSmsLogs(
  prisma: PrismaClient,
  principal: Principal,
  query: SmsLogListQuery,
): Promise<{ rows: SmsLog[]; total: number }> {
  const where = smsLogWhere(principal, query)
  const dir = query.sortOrder
  const [rows, total] = await Promise.all([
    prisma.smsLog.findMany({ where, orderBy: [{ createdAt: dir }, { id: dir }], ...pageWindow(query) }),
    prisma.smsLog.count({ where }),
  ])
  return { rows, total }
}

interface Keyed {
  createdAt: Date
  id: string
}

/** Rows strictly after `last` in (createdAt, id) order: the keyset condition of the next batch. */
function after(last: Keyed, dir: Direction) {
  const beyond = dir === 'desc' ? 'lt' : 'gt'
  return { OR: [{ createdAt: { [beyond]: last.createdAt } }, { createdAt: last.createdAt, id: { [beyond]: last.id } }] }
}

/**
 * Every matching row, batch by batch, in (createdAt, id) order. Keyset pagination, not OFFSET:
 * each batch is an index range read, so the last batch of a large export costs what the first
 * does, and rows inserted meanwhile cannot shift a batch boundary.
 */
async function* keysetBatches<T extends Keyed>(fetch: (cursor: object | undefined) => Promise<T[]>, dir: Direction, size: number) {
  let cursor: object | undefined
  for (;;) {
    const batch = await fetch(cursor)
    if (batch.length > 0) yield batch
    if (batch.length < size) return
    cursor = after(batch[batch.length - 1]!, dir)
  }
}

/**
 * One model's rows for export: keyset batches over `where` in (createdAt, id) order. The
 * callers pass their model's findMany, so the batching is written once for both log tables.
 */
function exportBatches<T extends Keyed, W extends { AND?: W | W[] }>(
  findMany: (args: { where: W; orderBy: Array<{ createdAt: Direction } | { id: Direction }>; take: number }) => Promise<T[]>,
  where: W,
  dir: Direction,
  size: number,
) {
  return keysetBatches<T>(
    (cursor) =>
      findMany({
        where: cursor === undefined ? where : ({ AND: [where, cursor as W] } as W),
        orderBy: [{ createdAt: dir }, { id: dir }],
        take: size,
      }),
    dir,
    size,
  )
}

/** All call logs of a list query for export (page, limit and sortBy ignored; sortOrder kept). */
export function callLogBatches(prisma: PrismaClient, principal: Principal, query: CallLogListQuery, size = EXPORT_BATCH_SIZE) {
  return exportBatches<CallLog, Prisma.CallLogWhereInput>((args) => prisma.callLog.findMany(args), callLogWhere(principal, query), query.sortOrder, size)
}

/** All SMS logs of a list query for export (page and limit ignored; sortOrder kept). */
export function smsLogBatches(prisma: PrismaClient, principal: Principal, query: SmsLogListQuery, size = EXPORT_BATCH_SIZE) {
  return exportBatches<SmsLog, Prisma.SmsLogWhereInput>((args) => prisma.smsLog.findMany(args), smsLogWhere(principal, query), query.sortOrder, size)
}
