import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { MailWorker } from '../mail/mail-worker.js'
import { logTransport, smtpTransport } from '../mail/transport.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's mail worker (src/mail/), or null when mail waits for SMTP_URL. */
    mail: { worker: MailWorker | null }
  }
}

/**
 * Sends the mail outbox (src/mail/outbox.ts). Every server instance runs a worker; they share
 * the outbox through the database (FOR UPDATE SKIP LOCKED), so a mail goes out once. With
 * SMTP_URL it sends over SMTP; without, outside production, it writes each mail to the log; in
 * production without SMTP_URL (allowed only with REQUIRE_EMAIL_VERIFICATION=false) no worker
 * runs and mails wait in the outbox until an instance with SMTP_URL starts.
 */
async function mailPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { mail, nodeEnv } = opts.config
  if (mail.smtpUrl === undefined && nodeEnv === 'production') {
    app.log.warn('SMTP_URL is not set: mails (verification, password reset, notices) are kept in the outbox, unsent, until it is')
    app.decorate('mail', { worker: null })
    return
  }
  const transport = mail.smtpUrl === undefined ? logTransport(app.log) : smtpTransport(mail.smtpUrl, mail.from)
  const worker = new MailWorker({ prisma: app.db.prisma, transport, logger: app.log })
  app.decorate('mail', { worker })
  app.addHook('onReady', async () => {
    worker.start()
  })
  app.addHook('onClose', async () => {
    await worker.stop()
  })
}

export default fp(mailPlugin, { name: 'did-edge-mail', fastify: '5.x', dependencies: ['did-edge-database'] })
