// Writes a batch of events in one transaction, idempotently: writing the same events again,
// in any order, in any split into batches, leaves the database as writing them once did.
// The parts: merge.ts folds the batch per call / message; call-writer.ts and sms-writer.ts
// upsert the logs; number-counters.ts counts created rows; usage-writer.ts bills.
import type { PrismaClient } from '../generated/prisma/client.js'
import { cleanStrings } from '../text/clean-text.js'
import { writeCalls } from './call-writer.js'
import type { IngestEvent } from './events.js'
import { mergeBatch } from './merge.js'
import { bumpNumberCounters, type NewRow } from './number-counters.js'
import type { RateCard } from './rate-card.js'
import { writeSmsReceived, writeSmsStatus } from './sms-writer.js'
import { writeSmsUsage, writeVoiceUsage } from './usage-writer.js'

/** What became of a batch's events, by kind: written (changed something), duplicate (changed nothing), skipped (cannot be written). */
export type StageCounts = Record<'written' | 'duplicate' | 'skipped', number>
export type WriteResult = Record<IngestEvent['kind'], StageCounts>

// Generous: a batch is a handful of statements, but a busy database must not turn a slow
// batch into a failed one (it would be retried, and slower still).
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 }

function emptyResult(): WriteResult {
  const zero = (): StageCounts => ({ written: 0, duplicate: 0, skipped: 0 })
  return { 'call.started': zero(), 'call.status': zero(), 'sms.received': zero(), 'sms.status': zero() }
}

/**
 * Writes the events in one transaction: call and SMS logs, number counters, billing accounts
 * and usage records. Rejects (and writes nothing) when any statement fails.
 */
export async function writeBatch(
  prisma: PrismaClient,
  events: readonly IngestEvent[],
  rateCard: RateCard,
  now: Date,
): Promise<WriteResult> {
  const result = emptyResult()
  // The webhooks clean what they publish, but the stream may hold events from an older version:
  // one NUL or lone surrogate would make Postgres refuse the batch, and the event be set aside.
  // Cleaned before merging, so the keys the deltas carry are the keys stored.
  const batch = mergeBatch(events.map(cleanStrings))
  for (const event of batch.skipped) result[event.kind].skipped += 1
  if (batch.calls.length + batch.smsReceived.length + batch.smsStatus.length === 0) return result

  const changed = await prisma.$transaction(async (tx) => {
    const calls = await writeCalls(tx, batch.calls)
    const received = await writeSmsReceived(tx, batch.smsReceived)
    const statuses = await writeSmsStatus(tx, batch.smsStatus)

    const newRows: NewRow[] = [
      ...batch.calls.filter((d) => calls.inserted.has(d.callSid)).map((d) => ({ numberId: d.number.numberId, kind: 'call' as const, at: d.firstAt })),
      ...batch.smsReceived.filter((d) => received.has(d.messageSid)).map((d) => ({ numberId: d.number.numberId, kind: 'sms' as const, at: d.firstAt })),
      ...batch.smsStatus.filter((d) => statuses.inserted.has(d.messageSid)).map((d) => ({ numberId: d.number.numberId, kind: 'sms' as const, at: d.firstAt })),
    ]
    await bumpNumberCounters(tx, newRows)

    // Billing looks at every delta, not only the changed ones: the unique index makes a
    // repeat a no-op, and a bill missed for any reason is made up by the next repeat.
    await writeVoiceUsage(tx, batch.calls, rateCard, now)
    await writeSmsUsage(tx, batch.smsReceived, rateCard, now)
    return { calls: calls.changed, received, statuses: statuses.changed }
  }, TRANSACTION_OPTIONS)

  const count = (kinds: IngestEvent['kind'][], wasChanged: boolean) => {
    for (const kind of kinds) result[kind][wasChanged ? 'written' : 'duplicate'] += 1
  }
  for (const d of batch.calls) count(d.kinds, changed.calls.has(d.callSid))
  for (const d of batch.smsReceived) count(d.kinds, changed.received.has(d.messageSid))
  for (const d of batch.smsStatus) count(d.kinds, changed.statuses.has(d.messageSid))
  return result
}
