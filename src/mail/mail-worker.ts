// Sends the mail outbox: claims due mails (mail-store.ts), hands each to the transport, and
// records the outcome:
//   accepted by the server                      → SENT (a token-bearing body is blanked)
//   4xx, no answer, connection or timeout error → retried after an exponential delay with
//                                                 jitter, FAILED after maxAttempts
//   5xx (the server will never take it)          → FAILED at once
// Every server instance runs one; they share the work through the database alone.
import type { PrismaClient } from '../generated/prisma/client.js'
import { errorMessage, type IngestLogger } from '../ingest/logger.js'
import { OutboxLoop } from '../outbox/outbox-loop.js'
import { retryDelay, type WebhookRetryPolicy } from '../outbound/retry-policy.js'
import { claimDueMails, recordMailOutcome, releaseMailClaim, type ClaimedMail, type MailOutcome } from './mail-store.js'
import { isPermanentMailError, type MailTransport } from './transport.js'

/** When a mail is tried again: about 30 s, 1, 2, 4 … minutes up to an hour; 10 attempts over about 3 hours. */
export const MAIL_RETRY_POLICY: Readonly<Pick<WebhookRetryPolicy, 'maxAttempts' | 'backoffStrategy' | 'initialDelay' | 'maxDelay'>> = Object.freeze({
  maxAttempts: 10,
  backoffStrategy: 'exponential',
  initialDelay: 30_000,
  maxDelay: 3_600_000,
})

export interface MailWorkerOptions {
  prisma: PrismaClient
  transport: MailTransport
  logger: IngestLogger
  /** How often the outbox is polled (ms, default 1000). */
  pollIntervalMs?: number
  /** Mails claimed, and sent concurrently, at a time (default 10). */
  batchSize?: number
  /** How long stop() lets sends in flight finish (ms, default 5000). */
  shutdownGraceMs?: number
  /** Overrides of MAIL_RETRY_POLICY. */
  retryPolicy?: Partial<typeof MAIL_RETRY_POLICY>
  /** The clock of scheduling (default: the system clock). */
  now?: () => Date
  /** Jitter's randomness (default Math.random). */
  random?: () => number
}

export class MailWorker {
  private readonly loop: OutboxLoop
  private readonly now: () => Date
  private readonly batchSize: number
  private readonly policy: WebhookRetryPolicy

  constructor(private readonly options: MailWorkerOptions) {
    this.now = options.now ?? (() => new Date())
    this.batchSize = options.batchSize ?? 10
    this.policy = { ...MAIL_RETRY_POLICY, ...options.retryPolicy, retryOn: [] }
    const { pollIntervalMs, shutdownGraceMs, logger } = options
    const loop = { batchSize: this.batchSize, now: this.now, pollIntervalMs, shutdownGraceMs, logger }
    this.loop = new OutboxLoop({ ...loop, runOnce: () => this.runOnce(), pollFailure: 'mail: polling the outbox failed' })
  }

  start(): void {
    this.loop.start()
  }

  wake(): void {
    this.loop.wake()
  }

  /** Stops polling, lets sends in flight finish for a short grace, then closes the transport. */
  async stop(): Promise<void> {
    await this.loop.stop(async () => this.options.transport.close())
  }

  /** Claims one batch of due mails and sends them; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await claimDueMails(this.options.prisma, this.now(), this.batchSize)
    await Promise.all(claimed.map((mail) => this.send(mail)))
    return claimed.length
  }

  private async send(mail: ClaimedMail): Promise<void> {
    // Shutdown's grace ran out before this send began: give it back untried.
    if (this.loop.cutShort.aborted) {
      await releaseMailClaim(this.options.prisma, mail, this.now()).catch(() => {})
      return
    }
    let outcome: MailOutcome
    try {
      const messageId = await this.options.transport.send({ id: mail.id, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html })
      outcome = { status: 'SENT', at: this.now(), messageId }
    } catch (err) {
      const at = this.now()
      const error = errorMessage(err)
      if (isPermanentMailError(err)) outcome = { status: 'FAILED', at, error }
      else if (mail.attempt >= this.policy.maxAttempts) outcome = { status: 'FAILED', at, error: `${error}; gave up after ${mail.attempt} attempts` }
      else outcome = { status: 'RETRY', at, error, nextAttemptAt: new Date(at.getTime() + retryDelay(this.policy, mail.attempt, this.options.random)) }
    }
    try {
      const recorded = await recordMailOutcome(this.options.prisma, mail, outcome)
      if (outcome.status === 'RETRY' && recorded) this.loop.wakeAt(outcome.nextAttemptAt)
      // The recipient is not logged: an address is personal data, the row id finds it.
      if (outcome.status === 'FAILED') this.options.logger.warn({ mailId: mail.id, attempt: mail.attempt, error: outcome.error }, 'mail: given up')
      else if (outcome.status === 'RETRY') this.options.logger.info({ mailId: mail.id, attempt: mail.attempt, error: outcome.error }, 'mail: attempt failed; will retry')
    } catch (err) {
      // The outcome could not be written: the lease runs out and the mail is tried again.
      this.options.logger.error({ err: errorMessage(err), mailId: mail.id }, 'mail: recording an attempt failed')
    }
  }
}
