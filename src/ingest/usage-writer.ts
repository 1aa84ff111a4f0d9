// usage_records: what a user is billed for. Exactly one VOICE_MINUTES row per completed call
// and one SMS_MESSAGE row per inbound message, however often their events are written: the
// unique index usage_records_event_resource_key (migration 20261125140000) on
// (record_type, resource_id = CallSid / MessageSid) turns a repeat into a no-op.
//
// Amounts are computed in SQL numeric from decimal strings: quantity × unit_price, both exact.
import { Prisma } from '../generated/prisma/client.js'
import type { CallDelta, SmsReceivedDelta } from './merge.js'
import { smsRate, voiceRate, type RateCard } from './rate-card.js'
import { column, statementChunks, utc, valuesTable } from './sql-values.js'

type Tx = Prisma.TransactionClient

// Must match the partial index's predicate, or Postgres cannot use it as the conflict target.
const ON_USAGE_CONFLICT = Prisma.sql`
  ON CONFLICT (record_type, resource_id) WHERE record_type IN ('VOICE_MINUTES', 'SMS_MESSAGE', 'MMS_MESSAGE')
  DO NOTHING`

/**
 * Opens a billing account for each user the query yields that has none. billing_address is a
 * required JSON column and did-edge knows no address: `{}` until the user sets one.
 */
async function ensureBillingAccounts(tx: Tx, userIds: Prisma.Sql, currency: string, now: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO billing_accounts (id, user_id, billing_address, currency, created_at, updated_at)
    SELECT gen_random_uuid()::text, u.user_id, '{}'::jsonb, ${currency}::text, ${utc(now)}::timestamp(3), ${utc(now)}::timestamp(3)
    FROM (${userIds}) AS u(user_id)
    ON CONFLICT (user_id) DO NOTHING`
}

interface VoiceRow {
  callSid: string
  unitPrice: string
}

const voiceColumns = [
  column<VoiceRow>('call_sid', 'text', (r) => r.callSid),
  column<VoiceRow>('unit_price', 'numeric', (r) => r.unitPrice),
]

/**
 * Bills the completed calls among the deltas: billable minutes rounded up, priced by the
 * number's country and type. The stored row is the truth (its billable_duration, its owner),
 * not the delta, so a repeated `completed` with another duration cannot bill differently.
 */
export async function writeVoiceUsage(tx: Tx, deltas: CallDelta[], card: RateCard, now: Date): Promise<void> {
  const completed = deltas.filter((d) => d.status === 'COMPLETED')
  for (const chunk of statementChunks(completed)) {
    const rows = chunk.map((d) => ({
      callSid: d.callSid,
      unitPrice: voiceRate(card, d.number.countryCode, d.number.numberType).toFixed(4),
    }))
    const calls = Prisma.sql`FROM ${valuesTable(rows, voiceColumns)} JOIN call_logs c ON c.twilio_call_sid = v.call_sid`
    const billable = Prisma.sql`c.status = 'COMPLETED' AND c.billable_duration > 0`
    await ensureBillingAccounts(tx, Prisma.sql`SELECT DISTINCT c.user_id ${calls} WHERE ${billable}`, card.currency, now)
    await tx.$executeRaw`
      INSERT INTO usage_records (
        id, billing_account_id, record_type, resource_id, quantity, unit, unit_price, total_cost,
        currency, usage_date, billing_period, description, metadata, created_at)
      SELECT
        gen_random_uuid()::text, b.id, 'VOICE_MINUTES', c.twilio_call_sid, m.minutes, 'minutes', v.unit_price,
        m.minutes * v.unit_price, ${card.currency}::text, m.usage_date, to_char(m.usage_date, 'YYYY-MM'),
        concat(CASE c.direction WHEN 'INBOUND' THEN 'Inbound' ELSE 'Outbound' END, ' call ',
               c.from_number, ' to ', c.to_number, ', ', c.billable_duration, ' s'),
        jsonb_build_object('numberId', c.number_id, 'billableSeconds', c.billable_duration),
        ${utc(now)}::timestamp(3)
      ${calls}
      JOIN billing_accounts b ON b.user_id = c.user_id
      CROSS JOIN LATERAL (SELECT
        ceil(c.billable_duration::numeric / 60) AS minutes,
        COALESCE(c.end_time, ${utc(now)}::timestamp(3)) AS usage_date) AS m
      WHERE ${billable}
      ${ON_USAGE_CONFLICT}`
  }
}

interface SmsRow {
  messageSid: string
  userId: string
  numberId: string
  segments: number
  unitPrice: string
  usageDate: string
  description: string
}

const smsColumns = [
  column<SmsRow>('sid', 'text', (r) => r.messageSid),
  column<SmsRow>('user_id', 'text', (r) => r.userId),
  column<SmsRow>('number_id', 'text', (r) => r.numberId),
  column<SmsRow>('segments', 'int', (r) => r.segments),
  column<SmsRow>('unit_price', 'numeric', (r) => r.unitPrice),
  column<SmsRow>('usage_date', 'timestamp(3)', (r) => r.usageDate),
  column<SmsRow>('description', 'text', (r) => r.description),
]

/**
 * Bills inbound messages: one record per message, quantity = its segments (unit 'segments'),
 * priced per segment by the number's country and type, dated when the message arrived.
 */
export async function writeSmsUsage(tx: Tx, deltas: SmsReceivedDelta[], card: RateCard, now: Date): Promise<void> {
  for (const chunk of statementChunks(deltas)) {
    const rows: SmsRow[] = chunk.map((d) => ({
      messageSid: d.messageSid,
      userId: d.number.userId,
      numberId: d.number.numberId,
      segments: d.numSegments,
      unitPrice: smsRate(card, d.number.countryCode, d.number.numberType).toFixed(4),
      usageDate: utc(d.firstAt)!,
      description: `Inbound SMS ${d.from} to ${d.to}, ${d.numSegments} segment${d.numSegments === 1 ? '' : 's'}`,
    }))
    const values = valuesTable(rows, smsColumns)
    await ensureBillingAccounts(tx, Prisma.sql`SELECT DISTINCT v.user_id FROM ${values}`, card.currency, now)
    await tx.$executeRaw`
      INSERT INTO usage_records (
        id, billing_account_id, record_type, resource_id, quantity, unit, unit_price, total_cost,
        currency, usage_date, billing_period, description, metadata, created_at)
      SELECT
        gen_random_uuid()::text, b.id, 'SMS_MESSAGE', v.sid, v.segments, 'segments', v.unit_price,
        v.segments * v.unit_price, ${card.currency}::text, v.usage_date, to_char(v.usage_date, 'YYYY-MM'),
        v.description, jsonb_build_object('numberId', v.number_id, 'segments', v.segments),
        ${utc(now)}::timestamp(3)
      FROM ${values}
      JOIN billing_accounts b ON b.user_id = v.user_id
      ${ON_USAGE_CONFLICT}`
  }
}
