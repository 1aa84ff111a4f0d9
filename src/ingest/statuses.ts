// Twilio's status words mapped to our enums, and the order in which a status may advance.
//
// Callbacks arrive out of order and repeat, so a row's status only ever moves up this
// ranking; a terminal status (rank 4) is final and never replaced, not even by another
// terminal one (the first terminal status written wins). The same ranks exist in SQL
// (see callRankSql / smsRankSql) so the database applies the rule against the stored row.
import { Prisma, type CallDirection, type CallStatus, type SmsStatus } from '../generated/prisma/client.js'

export const TERMINAL_RANK = 4

const CALL_STATUS: Record<string, CallStatus> = {
  queued: 'INITIATED',
  initiated: 'INITIATED',
  ringing: 'RINGING',
  'in-progress': 'ANSWERED',
  answered: 'ANSWERED',
  completed: 'COMPLETED',
  busy: 'BUSY',
  failed: 'FAILED',
  'no-answer': 'NO_ANSWER',
  canceled: 'CANCELLED',
  cancelled: 'CANCELLED',
}

const CALL_RANK: Record<CallStatus, number> = {
  INITIATED: 1,
  RINGING: 2,
  ANSWERED: 3,
  COMPLETED: TERMINAL_RANK,
  BUSY: TERMINAL_RANK,
  FAILED: TERMINAL_RANK,
  NO_ANSWER: TERMINAL_RANK,
  CANCELLED: TERMINAL_RANK,
}

// Inbound messages arrive already "received": delivered to their destination (did-edge), so
// DELIVERED. "sending" is still on Twilio's side, hence QUEUED; "read" (WhatsApp, RCS) implies
// delivery. Outbound "canceled" (a scheduled message never sent) is a failure to send.
const SMS_STATUS: Record<string, SmsStatus> = {
  accepted: 'QUEUED',
  scheduled: 'QUEUED',
  queued: 'QUEUED',
  sending: 'QUEUED',
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  received: 'DELIVERED',
  receiving: 'DELIVERED',
  undelivered: 'UNDELIVERED',
  failed: 'FAILED',
  canceled: 'FAILED',
}

// DELIVERED is not terminal: a carrier may still report a failure after a provisional
// delivery receipt, and a failure outranks it, whatever order the two arrive in.
const SMS_RANK: Record<SmsStatus, number> = {
  QUEUED: 1,
  SENT: 2,
  DELIVERED: 3,
  FAILED: TERMINAL_RANK,
  UNDELIVERED: TERMINAL_RANK,
}

/** Twilio's CallStatus as our CallStatus; null for a word we do not know. */
export function callStatusOf(twilioStatus: string): CallStatus | null {
  return CALL_STATUS[twilioStatus.trim().toLowerCase()] ?? null
}

/** Position of a call status in the ranking (1..4; 4 = terminal). */
export function callRank(status: CallStatus): number {
  return CALL_RANK[status]
}

/** Twilio's MessageStatus as our SmsStatus; null for a word we do not know. */
export function smsStatusOf(twilioStatus: string): SmsStatus | null {
  return SMS_STATUS[twilioStatus.trim().toLowerCase()] ?? null
}

/** Position of a message status in the ranking (1..4; 4 = terminal). */
export function smsRank(status: SmsStatus): number {
  return SMS_RANK[status]
}

/** Twilio's Direction: inbound, or outbound-api / outbound-dial. */
export function callDirectionOf(twilioDirection: string): CallDirection {
  return twilioDirection.trim().toLowerCase().startsWith('outbound') ? 'OUTBOUND' : 'INBOUND'
}

function rankSql(column: Prisma.Sql, ranks: Record<string, number>): Prisma.Sql {
  const cases = Object.entries(ranks).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
  return Prisma.sql`(CASE ${column} ${Prisma.raw(cases.join(' '))} END)`
}

/** SQL: the rank of a call_status column, as callRank computes it. */
export function callRankSql(column: Prisma.Sql): Prisma.Sql {
  return rankSql(column, CALL_RANK)
}

/** SQL: the rank of a sms_status column, as smsRank computes it. */
export function smsRankSql(column: Prisma.Sql): Prisma.Sql {
  return rankSql(column, SMS_RANK)
}
