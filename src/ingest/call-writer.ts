// call_logs: one row per CallSid, created by whichever event is written first (the voice
// webhook's call.started, or a status callback that overtook it) and moved forward by later
// callbacks, never backwards (see statuses.ts).
//
// Each statement also queues the outbound webhook events of the rows it changes (see
// src/events/domain-events.ts), in the same statement and so the same transaction: CALL_STARTED
// when a row is created; CALL_ANSWERED, CALL_COMPLETED, CALL_FAILED when the stored status
// crosses into answered (ANSWERED or COMPLETED), COMPLETED, or a failure. A repeated callback
// changes no status and so queues nothing. For users without an active endpoint the cost is a
// probe of webhook_endpoints per statement and row (a small table), nothing more.
import { Prisma } from '../generated/prisma/client.js'
import { isoTimestampSql, NOW_UTC, queueDeliveriesSql } from '../events/domain-events.js'
import type { CallDelta } from './merge.js'
import { column, statementChunks, utc, valuesTable } from './sql-values.js'
import { TERMINAL_RANK, callRankSql } from './statuses.js'

type Tx = Prisma.TransactionClient

const callColumns = [
  column<CallDelta>('call_sid', 'text', (d) => d.callSid),
  column<CallDelta>('account_sid', 'text', (d) => d.accountSid),
  column<CallDelta>('user_id', 'text', (d) => d.number.userId),
  column<CallDelta>('number_id', 'text', (d) => d.number.numberId),
  column<CallDelta>('from_number', 'text', (d) => d.from),
  column<CallDelta>('to_number', 'text', (d) => d.to),
  column<CallDelta>('direction', 'call_direction', (d) => d.direction),
  column<CallDelta>('status', 'call_status', (d) => d.status),
  column<CallDelta>('rank', 'int', (d) => d.rank),
  column<CallDelta>('terminal', 'boolean', (d) => d.end !== null),
  column<CallDelta>('end_time', 'timestamp(3)', (d) => utc(d.end?.endTime ?? null)),
  column<CallDelta>('duration', 'int', (d) => d.end?.duration ?? null),
  column<CallDelta>('billable_duration', 'int', (d) => d.end?.billableDuration ?? null),
  column<CallDelta>('end_answer_time', 'timestamp(3)', (d) => utc(d.end?.answerTime ?? null)),
  column<CallDelta>('answered_at', 'timestamp(3)', (d) => utc(d.answeredAt)),
  column<CallDelta>('recording_url', 'text', (d) => d.recordingUrl),
  column<CallDelta>('recording_sid', 'text', (d) => d.recordingSid),
  column<CallDelta>('from_city', 'text', (d) => d.geography.fromCity ?? null),
  column<CallDelta>('from_state', 'text', (d) => d.geography.fromState ?? null),
  column<CallDelta>('from_country', 'text', (d) => d.geography.fromCountry ?? null),
  column<CallDelta>('to_city', 'text', (d) => d.geography.toCity ?? null),
  column<CallDelta>('to_state', 'text', (d) => d.geography.toState ?? null),
  column<CallDelta>('to_country', 'text', (d) => d.geography.toCountry ?? null),
  column<CallDelta>('call_reason', 'text', (d) => d.callReason),
  column<CallDelta>('tags', 'text[]', (d) => d.tags),
  column<CallDelta>('first_at', 'timestamp(3)', (d) => utc(d.firstAt)),
]

// What a webhook says about a call: the row as it now is.
const RETURNED_COLUMNS = [
  'id', 'user_id', 'number_id', 'twilio_call_sid', 'twilio_account_sid', 'from_number', 'to_number', 'direction',
  'status', 'answer_time', 'end_time', 'duration', 'billable_duration', 'recording_url', 'created_at',
]
const returned = (alias: string) => Prisma.raw(RETURNED_COLUMNS.map((c) => `${alias}${c}`).join(', '))

const iso = (column: string) => isoTimestampSql(Prisma.raw(column))
const callData = Prisma.sql`jsonb_build_object(
  'callLogId', r.id, 'callSid', r.twilio_call_sid, 'accountSid', r.twilio_account_sid, 'numberId', r.number_id,
  'from', r.from_number, 'to', r.to_number, 'direction', r.direction, 'status', r.status,
  'startedAt', ${iso('r.created_at')}, 'answeredAt', ${iso('r.answer_time')}, 'endedAt', ${iso('r.end_time')},
  'duration', r.duration, 'billableDuration', r.billable_duration, 'recordingUrl', r.recording_url)`

/**
 * The events of rows `changed` returns (its columns, plus `prior_status`: the status before
 * the statement, NULL for a created row; and `tracked`: whether prior_status was read, under
 * lock, for this row), as queueDeliveriesSql wants them.
 */
function callEvents(changed: string): Prisma.Sql {
  const answered = `('ANSWERED', 'COMPLETED')`
  const failed = `('BUSY', 'FAILED', 'NO_ANSWER', 'CANCELLED')`
  return Prisma.sql`
    SELECT r.user_id, e.event, e.occurred_at, ${callData}
    FROM ${Prisma.raw(changed)} r
    CROSS JOIN LATERAL (VALUES
      (CASE WHEN r.prior_status IS NULL THEN 'CALL_STARTED'::webhook_event END, r.created_at),
      (CASE WHEN r.status IN ${Prisma.raw(answered)} AND (r.prior_status IS NULL OR r.prior_status NOT IN ${Prisma.raw(answered)})
        THEN 'CALL_ANSWERED'::webhook_event END, COALESCE(r.answer_time, ${NOW_UTC})),
      (CASE WHEN r.prior_status IS NOT DISTINCT FROM r.status THEN NULL
        WHEN r.status = 'COMPLETED' THEN 'CALL_COMPLETED'::webhook_event
        WHEN r.status IN ${Prisma.raw(failed)} THEN 'CALL_FAILED'::webhook_event END, COALESCE(r.end_time, ${NOW_UTC}))
    ) AS e(event, occurred_at)
    WHERE r.tracked AND e.event IS NOT NULL`
}

/**
 * Creates the rows of calls not seen before. created_at is the earliest event of the call
 * (when it reached did-edge), not the write, so a backlog written late keeps its call times.
 * Returns the CallSids inserted.
 */
async function insertCalls(tx: Tx, deltas: CallDelta[]): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (const chunk of statementChunks(deltas)) {
    const rows = await tx.$queryRaw<{ sid: string }[]>`
      WITH created AS (
      INSERT INTO call_logs (
        id, user_id, number_id, twilio_call_sid, twilio_account_sid, from_number, to_number,
        direction, status, answer_time, end_time, duration, billable_duration,
        recording_url, recording_sid, from_city, from_state, from_country, to_city, to_state, to_country,
        call_reason, tags, created_at)
      SELECT
        gen_random_uuid()::text, v.user_id, v.number_id, v.call_sid, v.account_sid, v.from_number, v.to_number,
        v.direction, v.status, COALESCE(v.end_answer_time, v.answered_at), v.end_time, v.duration, v.billable_duration,
        v.recording_url, v.recording_sid, v.from_city, v.from_state, v.from_country, v.to_city, v.to_state, v.to_country,
        v.call_reason, v.tags, v.first_at
      FROM ${valuesTable(chunk, callColumns)}
      ON CONFLICT (twilio_call_sid) DO NOTHING
      RETURNING ${returned('')}, NULL::call_status AS prior_status, true AS tracked
      ), queued AS (${queueDeliveriesSql(callEvents('created'))})
      SELECT twilio_call_sid AS sid FROM created`
    for (const row of rows) inserted.add(row.sid)
  }
  return inserted
}

const storedRank = callRankSql(Prisma.sql`c.status`)
// The status moves only forward, and never off a terminal status.
const terminalRank = Prisma.raw(String(TERMINAL_RANK))
const advances = Prisma.sql`(${storedRank} < ${terminalRank} AND v.rank > ${storedRank})`
const notTerminal = Prisma.sql`(${storedRank} < ${terminalRank})`
// Twilio may send a terminal callback without CallDuration and repeat it with one: the stored
// status stays (and queues no second event), but its end is completed from the repeat, or a
// completed call would never be billed.
const completesEnd = Prisma.sql`(c.status = v.status AND v.terminal AND c.duration IS NULL AND v.duration IS NOT NULL)`
const ends = Prisma.sql`((${advances} OR ${completesEnd}) AND v.terminal)`

/**
 * Applies deltas to existing rows. Terminal facts (end time, durations) are written with the
 * terminal status and never after, except a CallDuration the terminal callback lacked; the answer time is end_time − duration once the call has
 * ended (Twilio's own measure, and the same whatever order callbacks came in), before that the
 * earliest in-progress callback. Fields only filled when empty: recording, geography, and the
 * routing reason (call.started may arrive after a status callback created the row).
 * Rows with nothing to change are not touched. Returns the CallSids updated.
 *
 * The rows of users with an active webhook endpoint are locked first (in CallSid order) to
 * read the status they had: under concurrent batches the lock waits for the other writer and
 * returns its committed row, which is also the row the UPDATE then changes, so exactly one
 * batch sees a given status change. Other users' rows are neither locked first nor reported,
 * so a deployment without endpoints writes calls as it did without webhooks.
 */
async function updateCalls(tx: Tx, deltas: CallDelta[]): Promise<Set<string>> {
  const updated = new Set<string>()
  for (const chunk of statementChunks(deltas)) {
    const rows = await tx.$queryRaw<{ sid: string }[]>`
      WITH v AS MATERIALIZED (SELECT * FROM ${valuesTable(chunk, callColumns)}),
      prior AS MATERIALIZED (
        SELECT v.call_sid, c.status AS prior_status
        FROM v JOIN call_logs c ON c.twilio_call_sid = v.call_sid
        WHERE v.user_id IN (SELECT w.user_id FROM webhook_endpoints w WHERE w.is_active)
        ORDER BY v.call_sid
        FOR UPDATE OF c
      ), updated AS (
      UPDATE call_logs AS c SET
        status = CASE WHEN ${advances} THEN v.status ELSE c.status END,
        end_time = CASE WHEN ${ends} THEN v.end_time ELSE c.end_time END,
        duration = CASE WHEN ${ends} THEN v.duration ELSE c.duration END,
        billable_duration = CASE WHEN ${ends} THEN v.billable_duration ELSE c.billable_duration END,
        answer_time = CASE
          WHEN ${ends} AND v.end_answer_time IS NOT NULL THEN v.end_answer_time
          WHEN ${notTerminal} THEN LEAST(c.answer_time, v.answered_at)
          ELSE c.answer_time END,
        recording_url = COALESCE(c.recording_url, v.recording_url),
        recording_sid = CASE WHEN c.recording_url IS NULL THEN v.recording_sid ELSE c.recording_sid END,
        from_city = COALESCE(c.from_city, v.from_city),
        from_state = COALESCE(c.from_state, v.from_state),
        from_country = COALESCE(c.from_country, v.from_country),
        to_city = COALESCE(c.to_city, v.to_city),
        to_state = COALESCE(c.to_state, v.to_state),
        to_country = COALESCE(c.to_country, v.to_country),
        call_reason = COALESCE(c.call_reason, v.call_reason),
        tags = CASE WHEN c.call_reason IS NULL AND v.call_reason IS NOT NULL THEN v.tags ELSE c.tags END,
        created_at = LEAST(c.created_at, v.first_at)
      FROM v LEFT JOIN prior p ON p.call_sid = v.call_sid
      WHERE c.twilio_call_sid = v.call_sid
        AND (${advances}
          OR ${completesEnd}
          OR (c.call_reason IS NULL AND v.call_reason IS NOT NULL)
          OR (c.recording_url IS NULL AND v.recording_url IS NOT NULL)
          OR (${notTerminal} AND v.answered_at IS NOT NULL AND (c.answer_time IS NULL OR v.answered_at < c.answer_time))
          OR v.first_at < c.created_at)
      RETURNING ${returned('c.')}, p.prior_status, p.call_sid IS NOT NULL AS tracked
      ), queued AS (${queueDeliveriesSql(callEvents('updated'))})
      SELECT twilio_call_sid AS sid FROM updated`
    for (const row of rows) updated.add(row.sid)
  }
  return updated
}

/** Writes the calls of a batch: the CallSids whose row was created, and those changed. */
export async function writeCalls(tx: Tx, deltas: CallDelta[]): Promise<{ inserted: Set<string>; changed: Set<string> }> {
  if (deltas.length === 0) return { inserted: new Set(), changed: new Set() }
  const inserted = await insertCalls(tx, deltas)
  const existing = deltas.filter((d) => !inserted.has(d.callSid))
  const updated = existing.length > 0 ? await updateCalls(tx, existing) : new Set<string>()
  return { inserted, changed: new Set([...inserted, ...updated]) }
}
