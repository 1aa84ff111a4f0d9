// The transactional mails' words, in text and HTML. Rendered when the mail is queued, so the
// outbox row is exactly what was sent. Every value that comes from a person or a customer's
// system (names, URLs, messages) is escaped in the HTML part.
import type { Notification } from '../generated/prisma/client.js'
import type { OutgoingMail } from './outbox.js'

/** Where the links of account mails lead: the web front end's origin (APP_BASE_URL). */
export interface MailLinks {
  appBaseUrl: string
}

interface Recipient {
  id: string
  email: string
  firstName: string
}

const PRODUCT = 'did-edge'

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** One block of a mail: a paragraph, a link (shown as its URL in text) or a code line. */
type Block = { p: string } | { link: string; label: string } | { code: string }

function render(to: Recipient, blocks: Block[]): { text: string; html: string } {
  const all: Block[] = [{ p: `Hello ${to.firstName},` }, ...blocks, { p: `— ${PRODUCT}` }]
  const text = all.map((b) => ('p' in b ? b.p : 'link' in b ? `  ${b.link}` : `  ${b.code}`)).join('\n\n') + '\n'
  const body = all
    .map((b) =>
      'p' in b
        ? `<p>${escapeHtml(b.p)}</p>`
        : 'link' in b
          ? `<p><a href="${escapeHtml(b.link)}">${escapeHtml(b.label)}</a></p>`
          : `<pre style="font-family:monospace">${escapeHtml(b.code)}</pre>`,
    )
    .join('\n')
  const html = `<!doctype html>\n<html><body style="font-family:sans-serif;line-height:1.4">\n${body}\n</body></html>\n`
  return { text, html }
}

function compose(kind: OutgoingMail['kind'], to: Recipient, subject: string, blocks: Block[], secret = false): OutgoingMail {
  return { kind, userId: to.id, to: to.email, subject, secret, ...render(to, blocks) }
}

function link(base: string, path: string, token: string): string {
  return `${base.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`
}

/** Sent on registration and on POST /auth/verify-email/resend. */
export function verificationMail(to: Recipient, token: string, links: MailLinks): OutgoingMail {
  const url = link(links.appBaseUrl, '/verify-email', token)
  const blocks: Block[] = [
    { p: `Confirm that ${to.email} is your address to finish setting up your ${PRODUCT} account:` },
    { link: url, label: 'Confirm my email address' },
    { p: 'The link works once, within 24 hours. From a program, send the token to the API instead:' },
    { code: `POST /api/v1/auth/verify-email {"token":"${token}"}` },
    { p: 'If you did not create this account, ignore this mail.' },
  ]
  return compose('email-verification', to, `Confirm your email address for ${PRODUCT}`, blocks, true)
}

/** Sent on POST /auth/password-reset/request for an existing account. */
export function passwordResetMail(to: Recipient, token: string, links: MailLinks): OutgoingMail {
  const url = link(links.appBaseUrl, '/reset-password', token)
  const blocks: Block[] = [
    { p: `Someone asked to reset the password of the ${PRODUCT} account ${to.email}. Choose a new password here:` },
    { link: url, label: 'Choose a new password' },
    { p: 'The link works once, within an hour, and signs the account out everywhere. From a program:' },
    { code: `POST /api/v1/auth/password-reset/confirm {"token":"${token}","password":"…"}` },
    { p: 'If you did not ask for this, ignore this mail: your password stays as it is.' },
  ]
  return compose('password-reset', to, `Reset your ${PRODUCT} password`, blocks, true)
}

/** A notification sent by mail too (its channels include EMAIL): new sign-in, invoice, disabled endpoint. */
export function notificationMail(to: Recipient, notification: Notification): OutgoingMail {
  const blocks: Block[] = [{ p: notification.message }]
  if (notification.actionUrl !== null) {
    blocks.push({ p: `${notification.actionText ?? 'Details'} through the API:` }, { code: `GET ${notification.actionUrl}` })
  }
  return compose('notification', to, notification.title, blocks)
}
