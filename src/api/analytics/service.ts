import { IANAZone } from 'luxon'
import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { validationFailed } from '../../errors.js'
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js'
import type { CallAnalytics, CallAnalyticsQuery, CallTotals } from './schemas.js'

// Definitions (the numbers a customer sees on their dashboard, so they are spelled out here):
// - answered: the call connected. Status COMPLETED or ANSWERED *and* an answer time recorded;
//   the ingest pipeline sets answer_time whenever Twilio reports the call in progress or a
//   completed call with a duration, so a COMPLETED row without one never connected.
// - missed: status NO_ANSWER, BUSY, FAILED or CANCELLED.
// Calls still INITIATED or RINGING (and a COMPLETED row without answer time) are neither, so
// answered + missed may be less than calls.
// - totalDuration: seconds over every call; averageDuration: mean seconds of answered calls.
// - cost: the sum of the prices Twilio reported (a call without price counts as 0).
const ANSWERED = Prisma.sql`(c.status IN ('COMPLETED', 'ANSWERED') AND c.answer_time IS NOT NULL)`
const MISSED = Prisma.sql`(c.status IN ('NO_ANSWER', 'BUSY', 'FAILED', 'CANCELLED'))`

interface AggregateRow {
  is_total: boolean
  key: string | null
  label: string | null
  calls: number
  answered: number
  missed: number
  total_duration: number
  average_duration: number
  cost: string
}

function totals(row: AggregateRow | undefined): CallTotals {
  if (row === undefined) {
    return { calls: 0, answered: 0, missed: 0, answerRate: 0, totalDuration: 0, averageDuration: 0, cost: '0' }
  }
  return {
    calls: row.calls,
    answered: row.answered,
    missed: row.missed,
    answerRate: row.calls === 0 ? 0 : row.answered / row.calls,
    totalDuration: row.total_duration,
    averageDuration: Math.round(row.average_duration * 100) / 100,
    cost: new Prisma.Decimal(row.cost).toString(),
  }
}

/**
 * Call statistics over [from, to), as totals and per local day or per number. One SQL
 * aggregation: GROUPING SETS yields the groups and the grand total in the same pass, so the
 * total is computed from the rows, not summed from rounded groups. Tenancy is in the WHERE.
 */
export async function callAnalytics(prisma: PrismaClient, principal: Principal, query: CallAnalyticsQuery): Promise<CallAnalytics> {
  const timezone = query.timezone ?? principal.user.timezone
  if (!IANAZone.isValidZone(timezone)) {
    throw validationFailed(`timezone: your profile's time zone "${timezone}" is not an IANA zone; pass ?timezone=`, [
      { path: 'timezone', message: 'is not an IANA time zone' },
    ])
  }

  // created_at is a UTC timestamp without zone: compare with UTC strings (Postgres ignores the Z).
  const where = [Prisma.sql`c.created_at >= ${query.from.toISOString()}::timestamp(3)`, Prisma.sql`c.created_at < ${query.to.toISOString()}::timestamp(3)`]
  const owned = ownedRows(principal, 'read')
  if (owned.userId !== undefined) where.push(Prisma.sql`c.user_id = ${owned.userId}`)
  if (query.userId !== undefined) where.push(Prisma.sql`c.user_id = ${query.userId}`)
  if (query.numberId !== undefined) where.push(Prisma.sql`c.number_id = ${query.numberId}`)

  // A day is a calendar day in the zone: UTC instant -> local wall time -> its date.
  const key =
    query.groupBy === 'day'
      ? Prisma.sql`to_char((c.created_at AT TIME ZONE 'UTC') AT TIME ZONE ${timezone}, 'YYYY-MM-DD')`
      : Prisma.sql`c.number_id`

  const rows = await prisma.$queryRaw<AggregateRow[]>`
    WITH grouped AS (
      SELECT GROUPING(k.key) = 1 AS is_total, k.key,
             count(*)::int AS calls,
             (count(*) FILTER (WHERE ${ANSWERED}))::int AS answered,
             (count(*) FILTER (WHERE ${MISSED}))::int AS missed,
             COALESCE(sum(c.duration), 0)::float8 AS total_duration,
             COALESCE(avg(c.duration) FILTER (WHERE ${ANSWERED}), 0)::float8 AS average_duration,
             COALESCE(sum(c.price), 0)::text AS cost
      FROM call_logs c
      CROSS JOIN LATERAL (SELECT ${key} AS key) AS k
      WHERE ${Prisma.join(where, ' AND ')}
      GROUP BY GROUPING SETS ((k.key), ())
    )
    SELECT g.*, n.phone_number AS label
    FROM grouped g
    LEFT JOIN numbers n ON ${query.groupBy === 'number' ? Prisma.sql`n.id = g.key` : Prisma.sql`false`}`

  const total = rows.find((r) => r.is_total)
  const groups = rows
    .filter((r) => !r.is_total)
    .sort((a, b) =>
      query.groupBy === 'day' ? (a.key ?? '').localeCompare(b.key ?? '') : b.calls - a.calls || (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff'),
    )
    .map((r) => ({ key: r.key, ...(r.label === null ? {} : { label: r.label }), ...totals(r) }))

  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    groupBy: query.groupBy,
    timezone,
    totals: totals(total),
    groups,
  }
}
