import type { Prisma, PrismaClient } from '../generated/prisma/client.js'

/** What a mail is about; kept on the row so support can tell which mails a person got. */
export type MailKind = 'email-verification' | 'password-reset' | 'notification'

/** A rendered mail, ready to queue. */
export interface OutgoingMail {
  kind: MailKind
  /** The account it concerns (its rows go when the account does). */
  userId: string | null
  to: string
  subject: string
  text: string
  html: string
  /**
   * The body holds a one-time token: it is blanked once the mail is sent or given up, so the
   * outbox never keeps a usable token longer than delivery needs.
   */
  secret?: boolean
}

type Db = PrismaClient | Prisma.TransactionClient

/**
 * Queues a mail for the mail worker (src/mail/mail-worker.ts). Pass the transaction of the
 * change the mail reports: the row commits with the change or not at all, so a mail is never
 * lost for a change that happened, nor sent for one that rolled back.
 */
export async function queueMail(db: Db, mail: OutgoingMail, now = new Date()): Promise<string> {
  const row = await db.outboundEmail.create({
    data: {
      kind: mail.kind,
      userId: mail.userId,
      recipient: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
      scrubAfterSend: mail.secret ?? false,
      nextAttemptAt: now,
    },
    select: { id: true },
  })
  return row.id
}
