// sms_logs: one row per MessageSid. An inbound message (sms.received) creates its row as
// DELIVERED: it has reached its destination, did-edge. Message status callbacks concern the
// messages did-edge sends (TwiML <Message> replies), whose MessageSid is first seen in their
// callback, so a callback for an unknown message creates an OUTBOUND row without a body.
//
// Each statement also queues the outbound webhook events of the rows it changes (see
// src/events/domain-events.ts), in the same statement and so the same transaction:
// SMS_RECEIVED when an inbound message's row is created; for outbound messages SMS_SENT,
// SMS_DELIVERED and SMS_FAILED when the stored status crosses into sent (SENT, DELIVERED or
// UNDELIVERED), DELIVERED, or a failure (FAILED, UNDELIVERED). A repeated callback changes no
// status and so queues nothing.
import { isoTimestampSql, NOW_UTC, queueDeliveriesSql } from '../events/domain-events.js'
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

const RETURNED_COLUMNS = [
  'id', 'number_id', 'twilio_message_sid', 'twilio_account_sid', 'from_number', 'to_number', 'direction',
  'body', 'media_urls', 'status', 'sent_at', 'delivered_at', 'error_code', 'created_at',
]
const returned = (alias: string) => Prisma.raw(RETURNED_COLUMNS.map((c) => `${alias}${c}`).join(', '))

const iso = (column: string) => isoTimestampSql(Prisma.raw(column))
const smsData = Prisma.sql`jsonb_build_object(
  'smsLogId', r.id, 'messageSid', r.twilio_message_sid, 'accountSid', r.twilio_account_sid, 'numberId', r.number_id,
  'from', r.from_number, 'to', r.to_number, 'direction', r.direction, 'status', r.status, 'body', r.body,
  'mediaUrls', to_jsonb(r.media_urls), 'errorCode', r.error_code, 'createdAt', ${iso('r.created_at')},
  'sentAt', ${iso('r.sent_at')}, 'deliveredAt', ${iso('r.delivered_at')})`

/**
 * The events of rows `changed` returns (its columns, plus `prior_status`: the status before
 * the statement, NULL for a created row, and `tracked`: whether prior_status was read under
 * lock). sms_logs has no user: the number's owner is told.
 */
function smsEvents(changed: string): Prisma.Sql {
  const sent = `('SENT', 'DELIVERED', 'UNDELIVERED')`
  const failed = `('FAILED', 'UNDELIVERED')`
  return Prisma.sql`
    SELECT n.user_id, e.event, e.occurred_at, ${smsData}
    FROM ${Prisma.raw(changed)} r
    JOIN numbers n ON n.id = r.number_id
    CROSS JOIN LATERAL (VALUES
      (CASE WHEN r.direction = 'INBOUND' AND r.prior_status IS NULL THEN 'SMS_RECEIVED'::webhook_event END, r.created_at),
      (CASE WHEN r.direction = 'OUTBOUND' AND r.status IN ${Prisma.raw(sent)}
          AND (r.prior_status IS NULL OR r.prior_status NOT IN ${Prisma.raw(sent)})
        THEN 'SMS_SENT'::webhook_event END, COALESCE(r.sent_at, ${NOW_UTC})),
      (CASE WHEN r.direction = 'OUTBOUND' AND r.status = 'DELIVERED' AND r.prior_status IS DISTINCT FROM 'DELIVERED'
        THEN 'SMS_DELIVERED'::webhook_event END, COALESCE(r.delivered_at, ${NOW_UTC})),
      (CASE WHEN r.direction = 'OUTBOUND' AND r.status IN ${Prisma.raw(failed)}
          AND (r.prior_status IS NULL OR r.prior_status NOT IN ${Prisma.raw(failed)})
        THEN 'SMS_FAILED'::webhook_event END, ${NOW_UTC})
    ) AS e(event, occurred_at)
    WHERE r.tracked AND e.event IS NOT NULL`
}

/** Creates the rows of inbound messages not seen before; returns the MessageSids inserted. */
export async function writeSmsReceived(tx: Tx, deltas: SmsReceivedDelta[]): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (const chunk of statementChunks(deltas)) {
    const rows = await tx.$queryRaw<{ sid: string }[]>`
      WITH created AS (
      INSERT INTO sms_logs (
        id, number_id, twilio_message_sid, twilio_account_sid, from_number, to_number,
        direction, body, media_urls, status, delivered_at, created_at)
      SELECT
        gen_random_uuid()::text, v.number_id, v.sid, v.account_sid, v.from_number, v.to_number,
        'INBOUND', v.body, v.media_urls, 'DELIVERED', v.first_at, v.first_at
      FROM ${valuesTable(chunk, receivedColumns)}
      ON CONFLICT (twilio_message_sid) DO NOTHING
      RETURNING ${returned('')}, NULL::sms_status AS prior_status, true AS tracked
      ), queued AS (${queueDeliveriesSql(smsEvents('created'))})
      SELECT twilio_message_sid AS sid FROM created`
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
      WITH created AS (
      INSERT INTO sms_logs (
        id, number_id, twilio_message_sid, twilio_account_sid, from_number, to_number,
        direction, body, status, sent_at, delivered_at, error_code, created_at)
      SELECT
        gen_random_uuid()::text, v.number_id, v.sid, v.account_sid, v.from_number, v.to_number,
        'OUTBOUND', '', v.status, v.sent_at, v.delivered_at, v.error_code, v.first_at
      FROM ${valuesTable(chunk, statusColumns)}
      ON CONFLICT (twilio_message_sid) DO NOTHING
      RETURNING ${returned('')}, NULL::sms_status AS prior_status, true AS tracked
      ), queued AS (${queueDeliveriesSql(smsEvents('created'))})
      SELECT twilio_message_sid AS sid FROM created`
    for (const row of created) {
      inserted.add(row.sid)
      changed.add(row.sid)
    }
    const existing = chunk.filter((d) => !inserted.has(d.messageSid))
    if (existing.length === 0) continue
    // Rows of numbers whose owner has an active endpoint are locked first, in MessageSid order,
    // to read the status each had (see updateCalls in call-writer.ts).
    const updated = await tx.$queryRaw<{ sid: string }[]>`
      WITH v AS MATERIALIZED (SELECT * FROM ${valuesTable(existing, statusColumns)}),
      prior AS MATERIALIZED (
        SELECT v.sid, s.status AS prior_status
        FROM v JOIN sms_logs s ON s.twilio_message_sid = v.sid
        WHERE v.number_id IN (
          SELECT n.id FROM numbers n JOIN webhook_endpoints w ON w.user_id = n.user_id WHERE w.is_active)
        ORDER BY v.sid
        FOR UPDATE OF s
      ), updated AS (
      UPDATE sms_logs AS s SET
        status = CASE WHEN ${advances} THEN v.status ELSE s.status END,
        sent_at = LEAST(s.sent_at, v.sent_at),
        delivered_at = LEAST(s.delivered_at, v.delivered_at),
        error_code = COALESCE(s.error_code, v.error_code)
      FROM v LEFT JOIN prior p ON p.sid = v.sid
      WHERE s.twilio_message_sid = v.sid
        AND (${advances}
          OR (v.sent_at IS NOT NULL AND (s.sent_at IS NULL OR v.sent_at < s.sent_at))
          OR (v.delivered_at IS NOT NULL AND (s.delivered_at IS NULL OR v.delivered_at < s.delivered_at))
          OR (s.error_code IS NULL AND v.error_code IS NOT NULL))
      RETURNING ${returned('s.')}, p.prior_status, p.sid IS NOT NULL AS tracked
      ), queued AS (${queueDeliveriesSql(smsEvents('updated'))})
      SELECT twilio_message_sid AS sid FROM updated`
    for (const row of updated) changed.add(row.sid)
  }
  return { inserted, changed }
}
