// How a mail leaves: over SMTP with nodemailer (SMTP_URL), or, outside production without
// SMTP_URL, into the log so that the flows (verify, reset) can be tried by hand.
import nodemailer from 'nodemailer'
import type { IngestLogger } from '../ingest/logger.js'

export interface MailMessage {
  /** The outbox row's id: the Message-ID is made from it, so a resend after a crash is recognisable. */
  id: string
  to: string
  subject: string
  text: string
  html: string
}

export interface MailTransport {
  /** Hands one mail over; resolves with its Message-ID. Rejects when the server refused it or could not be reached. */
  send(mail: MailMessage): Promise<string | null>
  close(): void
}

/** An SMTP refusal that will not change on retry (5xx: unknown mailbox, policy, bad address). */
export function isPermanentMailError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode
  return typeof code === 'number' && code >= 500 && code < 600
}

/** The address part of a From header (`did-edge <no-reply@example.com>` → `example.com`). */
function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'did-edge.invalid'
}

/**
 * SMTP through a small nodemailer pool. `smtp://` upgrades with STARTTLS when the server offers
 * it, `smtps://` is TLS from the start; credentials come from the URL's user and password and
 * are never logged (nodemailer's own logger stays off). Timeouts are short enough that a send
 * always ends well within the outbox lease.
 */
export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const url = new URL(smtpUrl)
  const secure = url.protocol === 'smtps:'
  const transporter = nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(url.username !== '' && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    pool: true,
    maxConnections: 2,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    logger: false,
  })
  const domain = domainOf(from)
  return {
    async send(mail) {
      const info = await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${mail.id}@${domain}>`,
        // RFC 3834: nobody's vacation responder should answer an automatic mail.
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
      return info.messageId ?? null
    },
    close() {
      transporter.close()
    },
  }
}

/**
 * Development without SMTP: the mail, links and tokens included, goes to the log (in the
 * message text, because the logger redacts fields named `token`). Never used in production.
 */
export function logTransport(logger: IngestLogger): MailTransport {
  return {
    async send(mail) {
      logger.info({ to: mail.to }, `mail not sent (SMTP_URL is not set), logged instead: ${mail.subject}\n${mail.text}`)
      return null
    },
    close() {},
  }
}
