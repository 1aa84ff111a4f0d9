// sms_logs: one row per MessageSid. An inbound message (sms.received) creates its row as
// DELIVERED: it has reached its destination, did-edge. Message status callbacks concern the
// messages did-edge sends (TwiML <Message> replies), whose MessageSid is first seen in their
// callback, so a callback for an unknown message creates an OUTBOUND row without a body.
import { Prisma } from '../generated/prisma/client.js'
import type { SmsReceivedDelta, SmsStatusDelta } from './merge.js'
import { column, statementChunks, utc, valuesTable } from './sql-values.js'
import { TERMINAL_RANK, smsRankSql } from './statuses.js'

type Tx = Prisma.TransactionClient

const receivedColumns = [
  column<SmsReceivedDelta>('sid', 'text', (d) => d.messageSid),
  column<SmsReceivedDelta>('account_sid', 'text', (d) => d.accountSid),
  column<SmsReceivedDelta>('number_id', 'text', (d) => d.number.numberId),
  column<SmsReceivedDelta>('from_number', 'text', (d) => d.from),
  column<SmsReceivedDelta>('to_number', 'text', (d) => d.to),
  column<SmsReceivedDelta>('body', 'text', (d) => d.body),
  column<SmsReceivedDelta>('media_urls', 'text[]', (d) => d.mediaUrls),
  column<SmsReceivedDelta>('first_at', 'timestamp(3)', (d) => utc(d.firstAt)),
]

/** Creates the rows of inbound messages not seen before; returns the MessageSids inserted. */
export async function writeSmsReceived(tx: Tx, deltas: SmsReceivedDelta[]): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (const chunk of statementChunks(deltas)) {
    const rows = await tx.$queryRaw<{ sid: string }[]>`
      INSERT INTO sms_logs (
        id, number_id, twilio_message_sid, twilio_account_sid, from_number, to_number,
        direction, body, media_urls, status, delivered_at, created_at)
      SELECT
        gen_random_uuid()::text, v.number_id, v.sid, v.account_sid, v.from_number, v.to_number,
        'INBOUND', v.body, v.media_urls, 'DELIVERED', v.first_at, v.first_at
      FROM ${valuesTable(chunk, receivedColumns)}
      ON CONFLICT (twilio_message_sid) DO NOTHING
      RETURNING twilio_message_sid AS sid`
    for (const row of rows) inserted.add(row.sid)
  }
  return inserted
}

const statusColumns = [
  column<SmsStatusDelta>('sid', 'text', (d) => d.messageSid),
  column<SmsStatusDelta>('account_sid', 'text', (d) => d.accountSid),
  column<SmsStatusDelta>('number_id', 'text', (d) => d.number.numberId),
  column<SmsStatusDelta>('from_number', 'text', (d) => d.from),
  column<SmsStatusDelta>('to_number', 'text', (d) => d.to),
  column<SmsStatusDelta>('status', 'sms_status', (d) => d.status),
  column<SmsStatusDelta>('rank', 'int', (d) => d.rank),
  column<SmsStatusDelta>('sent_at', 'timestamp(3)', (d) => utc(d.sentAt)),
  column<SmsStatusDelta>('delivered_at', 'timestamp(3)', (d) => utc(d.deliveredAt)),
  column<SmsStatusDelta>('error_code', 'text', (d) => d.errorCode),
  column<SmsStatusDelta>('first_at', 'timestamp(3)', (d) => utc(d.firstAt)),
]

const storedRank = smsRankSql(Prisma.sql`s.status`)
const advances = Prisma.sql`(${storedRank} < ${Prisma.raw(String(TERMINAL_RANK))} AND v.rank > ${storedRank})`

/**
 * Applies message status callbacks: the status only moves forward (QUEUED < SENT < DELIVERED
 * < FAILED / UNDELIVERED, the last two final); sent_at and delivered_at keep the earliest
 * evidence; the first error code stays. Returns the MessageSids created and the ones changed.
 */
export async function writeSmsStatus(tx: Tx, deltas: SmsStatusDelta[]): Promise<{ inserted: Set<string>; changed: Set<string> }> {
  const inserted = new Set<string>()
  const changed = new Set<string>()
  for (const chunk of statementChunks(deltas)) {
    const created = await tx.$queryRaw<{ sid: string }[]>`
      INSERT INTO sms_logs (
        id, number_id, twilio_message_sid, twilio_account_sid, from_number, to_number,
        direction, body, status, sent_at, delivered_at, error_code, created_at)
      SELECT
        gen_random_uuid()::text, v.number_id, v.sid, v.account_sid, v.from_number, v.to_number,
        'OUTBOUND', '', v.status, v.sent_at, v.delivered_at, v.error_code, v.first_at
      FROM ${valuesTable(chunk, statusColumns)}
      ON CONFLICT (twilio_message_sid) DO NOTHING
      RETURNING twilio_message_sid AS sid`
    for (const row of created) {
      inserted.add(row.sid)
      changed.add(row.sid)
    }
    const existing = chunk.filter((d) => !inserted.has(d.messageSid))
    if (existing.length === 0) continue
    const updated = await tx.$queryRaw<{ sid: string }[]>`
      UPDATE sms_logs AS s SET
        status = CASE WHEN ${advances} THEN v.status ELSE s.status END,
        sent_at = LEAST(s.sent_at, v.sent_at),
        delivered_at = LEAST(s.delivered_at, v.delivered_at),
        error_code = COALESCE(s.error_code, v.error_code)
      FROM ${valuesTable(existing, statusColumns)}
      WHERE s.twilio_message_sid = v.sid
        AND (${advances}
          OR (v.sent_at IS NOT NULL AND (s.sent_at IS NULL OR v.sent_at < s.sent_at))
          OR (v.delivered_at IS NOT NULL AND (s.delivered_at IS NULL OR v.delivered_at < s.delivered_at))
          OR (s.error_code IS NULL AND v.error_code IS NOT NULL))
      RETURNING s.twilio_message_sid AS sid`
    for (const row of updated) changed.add(row.sid)
  }
  return { inserted, changed }
}
