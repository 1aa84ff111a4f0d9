import { recordDomainEvent } from '../events/domain-events.js'
import type { Number as NumberRow, PrismaClient } from '../generated/prisma/client.js'
import type { TwilioNumbers } from './numbers.js'
import { effectiveWebhookConfig, type WebhookMismatch, webhookMismatches } from './webhook-urls.js'

/**
 * Compares the Twilio account's incoming numbers with did-edge's Number rows (`npm run
 * twilio:reconcile`), and with `fix` repairs what did-edge can repair on its own:
 *
 *  - a number Twilio has and no live row knows (bought in the Console, or released here while
 *    Twilio kept it): reported only. did-edge never buys, releases or adopts a number on its
 *    own, since each of those decides who pays for it.
 *  - a live row whose SID Twilio does not have: reported; with `fix` marked RELEASED (Twilio
 *    no longer routes or bills it), with NUMBER_RELEASED for its owner.
 *  - a number whose webhook settings at Twilio differ from the row's (see webhook-urls.ts:
 *    null columns mean did-edge's own webhooks): reported field by field; with `fix` the row's
 *    configuration is written to Twilio.
 *
 * Rows of other Twilio accounts are counted and left alone: this account's list says nothing
 * about them. Fastify-free: the CLI and the tests call it directly.
 */
export interface ReconcileOptions {
  prisma: PrismaClient
  twilio: TwilioNumbers
  publicBaseUrl: string
  fix: boolean
}

export interface UnknownNumber {
  sid: string
  phoneNumber: string
  friendlyName: string | null
  /** Set when did-edge released this number but Twilio still has it (and still bills it). */
  releasedNumberId: string | null
}

export interface MissingNumber {
  numberId: string
  phoneNumber: string
  twilioSid: string
  userId: string
  /** The SID Twilio lists this phone number under, when it has it under another one. */
  twilioHasItAs: string | null
  fixed: boolean
}

export interface MismatchedNumber {
  numberId: string
  phoneNumber: string
  twilioSid: string
  fields: WebhookMismatch[]
  fixed: boolean
  /** Why the fix failed, when it did. */
  error: string | null
}

export interface ReconcileReport {
  accountSid: string
  fix: boolean
  /** Numbers the account has at Twilio. */
  atTwilio: number
  /** Live (not RELEASED) rows of this account that were compared. */
  compared: number
  /** Live rows of other Twilio accounts, not compared. */
  otherAccounts: number
  unknownToDidEdge: UnknownNumber[]
  missingAtTwilio: MissingNumber[]
  webhookMismatches: MismatchedNumber[]
}

/** Whether anything is still different after the run (fixed differences do not count). */
export function hasOutstandingDifferences(report: ReconcileReport): boolean {
  return (
    report.unknownToDidEdge.length > 0 ||
    report.missingAtTwilio.some((m) => !m.fixed) ||
    report.webhookMismatches.some((m) => !m.fixed)
  )
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { prisma, twilio, publicBaseUrl, fix } = options
  // Listed in full before anything is decided: a row is "missing" only against the complete list.
  const owned = await twilio.listOwned()
  const rows = await prisma.number.findMany({ orderBy: { phoneNumber: 'asc' } })
  const bySid = new Map(owned.map((n) => [n.sid, n]))
  const byPhone = new Map(owned.map((n) => [n.phoneNumber, n]))
  const live = rows.filter((r) => r.status !== 'RELEASED')
  const mine = live.filter((r) => r.twilioAccountSid === twilio.accountSid)
  const rowsBySid = new Map(rows.map((r) => [r.twilioSid, r]))

  const report: ReconcileReport = {
    accountSid: twilio.accountSid,
    fix,
    atTwilio: owned.length,
    compared: mine.length,
    otherAccounts: live.length - mine.length,
    unknownToDidEdge: [],
    missingAtTwilio: [],
    webhookMismatches: [],
  }

  for (const n of owned) {
    const row = rowsBySid.get(n.sid)
    if (row !== undefined && row.status !== 'RELEASED') continue
    report.unknownToDidEdge.push({
      sid: n.sid,
      phoneNumber: n.phoneNumber,
      friendlyName: n.friendlyName,
      releasedNumberId: row?.id ?? null,
    })
  }

  for (const row of mine) {
    const atTwilio = bySid.get(row.twilioSid)
    if (atTwilio === undefined) {
      const missing: MissingNumber = {
        numberId: row.id,
        phoneNumber: row.phoneNumber,
        twilioSid: row.twilioSid,
        userId: row.userId,
        twilioHasItAs: byPhone.get(row.phoneNumber)?.sid ?? null,
        fixed: false,
      }
      if (fix) missing.fixed = await markReleased(prisma, row)
      report.missingAtTwilio.push(missing)
      continue
    }
    const expected = effectiveWebhookConfig(row, publicBaseUrl)
    const fields = webhookMismatches(expected, atTwilio)
    if (fields.length === 0) continue
    const mismatch: MismatchedNumber = {
      numberId: row.id,
      phoneNumber: row.phoneNumber,
      twilioSid: row.twilioSid,
      fields,
      fixed: false,
      error: null,
    }
    if (fix) {
      try {
        await twilio.configure(row.twilioAccountSid, row.twilioSid, expected)
        mismatch.fixed = true
      } catch (err) {
        mismatch.error = err instanceof Error ? err.message : String(err)
      }
    }
    report.webhookMismatches.push(mismatch)
  }
  return report
}

/** RELEASED, unless the row changed status meanwhile (then left for the next run). */
async function markReleased(prisma: PrismaClient, row: NumberRow): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const releasedAt = new Date()
    const { count } = await tx.number.updateMany({
      where: { id: row.id, status: row.status },
      data: { status: 'RELEASED', releasedAt },
    })
    if (count === 0) return false
    await recordDomainEvent(tx, {
      userId: row.userId,
      event: 'NUMBER_RELEASED',
      data: {
        numberId: row.id,
        phoneNumber: row.phoneNumber,
        twilioSid: row.twilioSid,
        releasedAt: releasedAt.toISOString(),
        reason: 'not on the Twilio account (reconciliation)',
      },
    })
    return true
  })
}

/** The report as lines for people. */
export function formatReport(report: ReconcileReport): string {
  const lines = [
    `Twilio account ${report.accountSid}: ${report.atTwilio} number(s) at Twilio, ${report.compared} live row(s) compared` +
      (report.otherAccounts > 0 ? `, ${report.otherAccounts} row(s) of other accounts skipped` : ''),
  ]
  for (const u of report.unknownToDidEdge) {
    lines.push(
      u.releasedNumberId === null
        ? `unknown to did-edge: ${u.phoneNumber} (${u.sid}) is on the Twilio account but has no number in did-edge`
        : `unknown to did-edge: ${u.phoneNumber} (${u.sid}) was released in did-edge (number ${u.releasedNumberId}) but Twilio still has it`,
    )
  }
  for (const m of report.missingAtTwilio) {
    const also = m.twilioHasItAs === null ? '' : ` (Twilio lists the phone number as ${m.twilioHasItAs})`
    lines.push(`missing at Twilio: ${m.phoneNumber} (${m.twilioSid}, number ${m.numberId})${also}${m.fixed ? ': marked RELEASED' : ''}`)
  }
  for (const m of report.webhookMismatches) {
    const fields = m.fields.map((f) => `${f.field} is ${JSON.stringify(f.actual)}, should be ${JSON.stringify(f.expected)}`).join('; ')
    const outcome = m.fixed ? ': fixed at Twilio' : m.error !== null ? `: fix failed (${m.error})` : ''
    lines.push(`webhooks differ: ${m.phoneNumber} (${m.twilioSid}): ${fields}${outcome}`)
  }
  if (lines.length === 1) lines.push('in sync: nothing to report')
  else if (!report.fix && (report.missingAtTwilio.length > 0 || report.webhookMismatches.length > 0)) {
    lines.push('run with --fix to mark missing numbers RELEASED and rewrite the webhooks at Twilio')
  }
  return lines.join('\n')
}
