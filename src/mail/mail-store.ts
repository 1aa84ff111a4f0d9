// The mail worker's reads and writes of mail_outbox, on the model of the webhook delivery store
// (src/outbound/delivery-store.ts): one statement claims due rows with FOR UPDATE SKIP LOCKED,
// counts the attempt and pushes next_attempt_at forward by a lease longer than any send can
// take, so instances never take each other's rows and a row held by an instance that died is
// taken again once its lease runs out. The attempt number taken by the claim fences the write
// of the outcome: a sender that outlived its lease cannot overwrite a newer attempt's result.
import type { PrismaClient } from '../generated/prisma/client.js'

export interface ClaimedMail {
  id: string
  /** This attempt's number (1 = the first). */
  attempt: number
  to: string
  subject: string
  text: string
  html: string
  /** The body holds a one-time token: blank it once the mail is sent or given up. */
  secret: boolean
}

interface ClaimRow {
  id: string
  attempts: number
  recipient: string
  subject: string
  text_body: string
  html_body: string
  scrub_after_send: boolean
}

/** How long a claim holds a mail: well beyond the SMTP transport's own timeouts. */
export const MAIL_LEASE_SECONDS = 300

/** What a sent (or abandoned) mail carrying a one-time token keeps of its body. */
export const SCRUBBED_BODY = '[removed after sending: this mail held a one-time token]'

/** Claims up to `limit` due mails, oldest due first. */
export async function claimDueMails(prisma: PrismaClient, now: Date, limit: number): Promise<ClaimedMail[]> {
  const at = now.toISOString()
  const rows = await prisma.$queryRaw<ClaimRow[]>`
    WITH due AS (
      SELECT id FROM mail_outbox
      WHERE status = 'PENDING' AND next_attempt_at <= ${at}::timestamp(3)
      ORDER BY next_attempt_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE mail_outbox m SET
      attempts = m.attempts + 1,
      next_attempt_at = ${at}::timestamp(3) + make_interval(secs => ${MAIL_LEASE_SECONDS}),
      updated_at = ${at}::timestamp(3)
    FROM due
    WHERE m.id = due.id
    RETURNING m.id, m.attempts, m.recipient, m.subject, m.text_body, m.html_body, m.scrub_after_send`
  return rows.map((r) => ({ id: r.id, attempt: r.attempts, to: r.recipient, subject: r.subject, text: r.text_body, html: r.html_body, secret: r.scrub_after_send }))
}

export type MailOutcome =
  | { status: 'SENT'; at: Date; messageId: string | null }
  | { status: 'RETRY'; at: Date; error: string; nextAttemptAt: Date }
  | { status: 'FAILED'; at: Date; error: string }

/**
 * Writes an attempt's outcome. A sent or abandoned mail that held a token loses its body.
 * Returns false when the claim was no longer ours (its lease ran out and another attempt
 * took it): then nothing is written.
 */
export async function recordMailOutcome(prisma: PrismaClient, claimed: ClaimedMail, outcome: MailOutcome): Promise<boolean> {
  const where = { id: claimed.id, attempts: claimed.attempt, status: 'PENDING' as const }
  if (outcome.status === 'RETRY') {
    const { count } = await prisma.outboundEmail.updateMany({ where, data: { lastError: outcome.error, nextAttemptAt: outcome.nextAttemptAt } })
    return count === 1
  }
  const done =
    outcome.status === 'SENT'
      ? { status: 'SENT' as const, sentAt: outcome.at, messageId: outcome.messageId, lastError: null }
      : { status: 'FAILED' as const, lastError: outcome.error }
  const scrub = claimed.secret ? { textBody: SCRUBBED_BODY, htmlBody: SCRUBBED_BODY } : {}
  const { count } = await prisma.outboundEmail.updateMany({ where, data: { ...done, ...scrub, nextAttemptAt: outcome.at } })
  return count === 1
}

/**
 * Gives a claimed mail back untried (shutdown cut the send short before it began): the attempt
 * is not counted and the mail is due at once, for this or any other instance.
 */
export async function releaseMailClaim(prisma: PrismaClient, claimed: ClaimedMail, now: Date): Promise<void> {
  await prisma.outboundEmail.updateMany({
    where: { id: claimed.id, attempts: claimed.attempt, status: 'PENDING' },
    data: { attempts: { decrement: 1 }, nextAttemptAt: now },
  })
}
