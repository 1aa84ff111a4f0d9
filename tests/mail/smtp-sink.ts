// A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps what arrives, split
// into headers and the text and HTML parts, so tests read mails as a mailbox would.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import type { Test } from 'tap'

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  rcptTo: string[]
  /** Header names lower-cased; values unfolded. */
  headers: Record<string, string>
  text: string
  html: string
  raw: string
}

export interface SmtpSink {
  port: number
  /** `smtp://user:pass@127.0.0.1:port` */
  url: string
  mails: ReceivedMail[]
  /** Credentials the clients authenticated with. */
  logins: { user: string; pass: string }[]
  /** Answers the next `count` messages' DATA with this SMTP status (451: try later; 550: never). */
  refuseNext(count: number, responseCode: number): void
  /** Messages refused so far. */
  refused: number
}

function decode(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase()
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (enc !== 'quoted-printable') return body
  const bytes: number[] = []
  const soft = body.replace(/=\r?\n/g, '')
  for (let i = 0; i < soft.length; i++) {
    const hex = soft[i] === '=' ? soft.slice(i + 1, i + 3) : ''
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'))
  }
  return Buffer.from(bytes).toString('utf8')
}

function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n')
  const head = at < 0 ? raw : raw.slice(0, at)
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body: at < 0 ? '' : raw.slice(at + 4) }
}

/** Splits a received message into headers, text part and HTML part (single-part or multipart/alternative). */
export function parseMail(raw: string, rcptTo: string[]): ReceivedMail {
  const { headers, body } = splitEntity(raw)
  const parts: Record<string, string> = {}
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1]
  const entities = boundary === undefined ? [raw] : body.split(`--${boundary}`).slice(1, -1)
  for (const entity of entities) {
    const part = boundary === undefined ? { headers, body } : splitEntity(entity.replace(/^\r\n/, ''))
    const type = (part.headers['content-type'] ?? 'text/plain').split(';')[0]!.trim()
    parts[type] = decode(part.body.replace(/\r\n$/, ''), part.headers['content-transfer-encoding'])
  }
  return { rcptTo, headers, text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '', raw }
}

export async function startSmtpSink(t: Test): Promise<SmtpSink> {
  const refusals: number[] = []
  const sink: SmtpSink = {
    port: 0,
    url: '',
    mails: [],
    logins: [],
    refused: 0,
    refuseNext(count, responseCode) {
      for (let i = 0; i < count; i++) refusals.push(responseCode)
    },
  }
  const server = new SMTPServer({
    logger: false,
    // Plain SMTP on loopback: no certificate to trust; AUTH still offered, to see the credentials.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    onAuth(auth, _session, callback) {
      sink.logins.push({ user: auth.username ?? '', pass: auth.password ?? '' })
      callback(null, { user: auth.username })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const code = refusals.shift()
        if (code !== undefined) {
          sink.refused += 1
          const err = Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code })
          return callback(err)
        }
        sink.mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address)))
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sink.port = (server.server.address() as AddressInfo).port
  sink.url = `smtp://mailer:s3cret-smtp-pass@127.0.0.1:${sink.port}`
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return sink
}
