import { type AccessMode, actsOnAllTenants, ownedRows } from '../../auth/access.js'
import { forbidden, notFound } from '../../errors.js'
import type { Number as NumberRow, NumberConfiguration, Prisma, PrismaClient } from '../../generated/prisma/client.js'
import type { Principal } from '../../auth/principal.js'
import { pageWindow } from '../pagination.js'
import type { ListNumbersQuery } from './list-query.js'
import type { UpdateNumberInput } from './schemas.js'
import { containsText } from '../search.js'

/** A number the principal may read (or, with mode 'write', change), or NOT_FOUND. */
export async function getNumber(prisma: PrismaClient, principal: Principal, id: string, mode: AccessMode = 'read'): Promise<NumberRow> {
  const number = await prisma.number.findFirst({ where: { id, ...ownedRows(principal, mode) } })
  if (number === null) throw notFound('number')
  return number
}

function searchWhere(search: string): Prisma.NumberWhereInput {
  const or: Prisma.NumberWhereInput[] = [{ phoneNumber: containsText(search) }, { friendlyName: containsText(search) }]
  // People type numbers as they read them ("(415) 555-01"); stored numbers are E.164.
  const digits = search.replace(/[\s().-]/g, '')
  if (digits !== search && /^\+?\d+$/.test(digits)) or.push({ phoneNumber: { contains: digits } })
  return { OR: or }
}

/** The Prisma filter of a list query, within what the principal may read. */
export function numberListWhere(principal: Principal, query: ListNumbersQuery): Prisma.NumberWhereInput {
  if (query.userId !== undefined && query.userId !== principal.user.id && !actsOnAllTenants(principal, 'read')) {
    throw forbidden('only administrators and support filter by user')
  }
  const where: Prisma.NumberWhereInput = { ...ownedRows(principal, 'read') }
  if (query.userId !== undefined) where.userId = query.userId
  if (query.status !== undefined) where.status = { in: query.status }
  if (query.type !== undefined) where.numberType = { in: query.type }
  if (query.country !== undefined) where.countryCode = query.country
  if (query.areaCode !== undefined) where.areaCode = query.areaCode
  if (query.tags !== undefined) where.tags = { hasEvery: query.tags }
  if (query.dateFrom !== undefined || query.dateTo !== undefined) {
    where.createdAt = { ...(query.dateFrom && { gte: query.dateFrom }), ...(query.dateTo && { lte: query.dateTo }) }
  }
  if (query.search !== undefined) Object.assign(where, searchWhere(query.search))
  return where
}

const NULLABLE_SORTS = new Set<string>(['friendlyName', 'lastUsedAt'])

function numberOrder(query: ListNumbersQuery): Prisma.NumberOrderByWithRelationInput[] {
  const { sortBy, sortOrder } = query
  // Numbers never named or never used go last whichever way the list runs; the id breaks
  // ties, so equal keys cannot trade places between pages.
  const primary = NULLABLE_SORTS.has(sortBy) ? { [sortBy]: { sort: sortOrder, nulls: 'last' } } : { [sortBy]: sortOrder }
  return [primary, { id: sortOrder }]
}

/** One page of the numbers the principal may read, and how many match in all. */
export async function listNumbers(
  prisma: PrismaClient,
  principal: Principal,
  query: ListNumbersQuery,
): Promise<{ rows: NumberRow[]; total: number }> {
  const where = numberListWhere(principal, query)
  const [rows, total] = await Promise.all([
    prisma.number.findMany({ where, orderBy: numberOrder(query), ...pageWindow(query) }),
    prisma.number.count({ where }),
  ])
  return { rows, total }
}

export type NumberDetail = NumberRow & {
  configurations?: NumberConfiguration[]
  _count: { callLogs: number; smsLogs: number }
}

/**
 * A number with how many call and SMS logs it has and, when `withConfigurations` (the caller
 * may read routing: read:config), its configurations, oldest first.
 */
export async function getNumberDetail(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  withConfigurations: boolean,
): Promise<NumberDetail> {
  const number = await prisma.number.findFirst({
    where: { id, ...ownedRows(principal, 'read') },
    include: {
      _count: { select: { callLogs: true, smsLogs: true } },
      ...(withConfigurations && { configurations: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    },
  })
  if (number === null) throw notFound('number')
  return number
}

/**
 * Changes the owner-editable fields of a number. `beforeWrite` runs between reading the row and
 * writing it (the Twilio sync: Twilio must accept changed webhook URLs first, and when it
 * refuses, the row is left as it was). Returns the row before and after: the route audits both.
 */
export async function updateNumber(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  input: UpdateNumberInput,
  beforeWrite?: (previous: NumberRow) => Promise<void>,
): Promise<{ previous: NumberRow; row: NumberRow }> {
  const previous = await getNumber(prisma, principal, id, 'write')
  await beforeWrite?.(previous)
  const row = await prisma.number.update({ where: { id: previous.id }, data: input })
  return { previous, row }
}
