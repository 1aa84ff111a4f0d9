import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { AppError } from '../../errors.js'
import { Prisma, type PrismaClient, type UsageRecord } from '../../generated/prisma/client.js'
import { pageWindow } from '../pagination.js'
import type { UsageListQuery, UsageSummary, UsageSummaryQuery } from './schemas.js'
import { usageTypeSchema } from './schemas.js'

/** UsageRecord has no owner column: a record belongs to the owner of its billing account. */
function tenancy(principal: Principal, userId: string | undefined): Prisma.UsageRecordWhereInput {
  const owned = ownedRows(principal, 'read')
  const where: Prisma.UsageRecordWhereInput = owned.userId === undefined ? {} : { billingAccount: { userId: owned.userId } }
  // A filter never widens tenancy: a user naming another user gets the intersection, nothing.
  if (userId !== undefined) where.AND = [{ billingAccount: { userId } }]
  return where
}

/**
 * A number's usage. The ingest pipeline writes usage per event, not per number: a call's
 * VOICE_MINUTES and a message's SMS_MESSAGE rows have the Twilio SID as resourceId and the
 * number in metadata.numberId (src/ingest/usage-writer.ts); a PHONE_NUMBER fee has the number
 * itself as resourceId. Both are matched, so the filter answers "what did this number cost".
 */
function byNumber(numberId: string): Prisma.UsageRecordWhereInput {
  return { OR: [{ resourceId: numberId }, { metadata: { path: ['numberId'], equals: numberId } }] }
}

export function usageWhere(principal: Principal, query: UsageListQuery): Prisma.UsageRecordWhereInput {
  const where = tenancy(principal, query.userId)
  if (query.type !== undefined) where.recordType = { in: query.type }
  if (query.period !== undefined) where.billingPeriod = query.period
  if (query.numberId !== undefined) where.OR = byNumber(query.numberId).OR
  if (query.dateFrom !== undefined || query.dateTo !== undefined) where.usageDate = { gte: query.dateFrom, lte: query.dateTo }
  return where
}

export async function listUsage(
  prisma: PrismaClient,
  principal: Principal,
  query: UsageListQuery,
): Promise<{ rows: UsageRecord[]; total: number }> {
  const where = usageWhere(principal, query)
  const dir = query.sortOrder
  const orderBy: Prisma.UsageRecordOrderByWithRelationInput[] =
    query.sortBy === 'totalCost' ? [{ totalCost: dir }, { usageDate: dir }, { id: dir }] : [{ usageDate: dir }, { id: dir }]
  const [rows, total] = await Promise.all([
    prisma.usageRecord.findMany({ where, orderBy, ...pageWindow(query) }),
    prisma.usageRecord.count({ where }),
  ])
  return { rows, total }
}

const TYPE_ORDER = usageTypeSchema.options

/**
 * A billing period's usage by type. Sums are Decimal end to end (Postgres numeric, then
 * Prisma.Decimal), never floats. Amounts in different currencies cannot be added: when the
 * period's records span several, the caller must pick one.
 */
export async function usageSummary(prisma: PrismaClient, principal: Principal, query: UsageSummaryQuery): Promise<UsageSummary> {
  const where: Prisma.UsageRecordWhereInput = { ...tenancy(principal, query.userId), billingPeriod: query.period }
  if (query.currency !== undefined) where.currency = query.currency
  const groups = await prisma.usageRecord.groupBy({
    by: ['recordType', 'currency'],
    where,
    _sum: { quantity: true, totalCost: true },
    _count: { _all: true },
  })

  const currencies = [...new Set(groups.map((g) => g.currency))].sort()
  if (currencies.length > 1) {
    throw new AppError('BAD_REQUEST', `the usage of ${query.period} spans several currencies (${currencies.join(', ')}): pass ?currency=`, {
      currencies,
    })
  }
  const currency = query.currency ?? currencies[0] ?? (await defaultCurrency(prisma, principal, query.userId))

  const byType = groups
    .sort((a, b) => TYPE_ORDER.indexOf(a.recordType) - TYPE_ORDER.indexOf(b.recordType))
    .map((g) => ({
      type: g.recordType,
      quantity: (g._sum.quantity ?? new Prisma.Decimal(0)).toString(),
      cost: (g._sum.totalCost ?? new Prisma.Decimal(0)).toString(),
      records: g._count._all,
    }))
  const totalCost = groups.reduce((sum, g) => sum.plus(g._sum.totalCost ?? 0), new Prisma.Decimal(0)).toString()
  return { period: query.period, currency, byType, totalCost }
}

/** The currency an empty summary is shown in: the account's own, else USD (the schema's default). */
async function defaultCurrency(prisma: PrismaClient, principal: Principal, userId: string | undefined): Promise<string> {
  const owner = ownedRows(principal, 'read').userId ?? userId
  if (owner === undefined) return 'USD'
  const account = await prisma.billingAccount.findUnique({ where: { userId: owner }, select: { currency: true } })
  return account?.currency ?? 'USD'
}
