// numbers.total_calls / total_sms / last_used_at. Counted from the rows a batch created, never
// from events, so a repeated or re-delivered event cannot count twice; the invariant is
// total_calls = the number's call_logs rows, total_sms = its sms_logs rows.
//
// updated_at is left alone on purpose: it records changes to the number's configuration, and
// traffic is not one.
import type { Prisma } from '../generated/prisma/client.js'
import { column, utc, valuesTable } from './sql-values.js'

type Tx = Prisma.TransactionClient

/** One created call or message row, for the counters of its number. */
export interface NewRow {
  numberId: string
  kind: 'call' | 'sms'
  /** When its event reached did-edge (epoch ms): the number's last use. */
  at: number
}

interface NumberTotals {
  numberId: string
  calls: number
  sms: number
  lastUsedAt: number
}

const totalsColumns = [
  column<NumberTotals>('number_id', 'text', (t) => t.numberId),
  column<NumberTotals>('calls', 'int', (t) => t.calls),
  column<NumberTotals>('sms', 'int', (t) => t.sms),
  column<NumberTotals>('last_used_at', 'timestamp(3)', (t) => utc(t.lastUsedAt)),
]

/** Adds the batch's new rows to their numbers' counters: one row update per number. */
export async function bumpNumberCounters(tx: Tx, rows: NewRow[]): Promise<void> {
  if (rows.length === 0) return
  const totals = new Map<string, NumberTotals>()
  for (const row of rows) {
    const t = totals.get(row.numberId) ?? { numberId: row.numberId, calls: 0, sms: 0, lastUsedAt: row.at }
    if (row.kind === 'call') t.calls += 1
    else t.sms += 1
    t.lastUsedAt = Math.max(t.lastUsedAt, row.at)
    totals.set(row.numberId, t)
  }
  // Sorted so that concurrent writers lock shared numbers in the same order more often than
  // not (a deadlock is retried, but costs a batch).
  const sorted = [...totals.values()].sort((a, b) => (a.numberId < b.numberId ? -1 : a.numberId > b.numberId ? 1 : 0))
  await tx.$executeRaw`
    UPDATE numbers AS n SET
      total_calls = n.total_calls + v.calls,
      total_sms = n.total_sms + v.sms,
      last_used_at = GREATEST(n.last_used_at, v.last_used_at)
    FROM ${valuesTable(sorted, totalsColumns)}
    WHERE n.id = v.number_id`
}
