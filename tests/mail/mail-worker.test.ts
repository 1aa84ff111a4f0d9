// The mail worker on its own (no app) against a real SMTP server: its clock decides when a
// retry is due, a refusal the server calls temporary is retried and delivered once, a
// permanent one is given up, and workers sharing one outbox send each mail once.
import pino from 'pino'
import t from 'tap'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import { SCRUBBED_BODY } from '../../src/mail/mail-store.js'
import { MailWorker } from '../../src/mail/mail-worker.js'
import { queueMail, type OutgoingMail } from '../../src/mail/outbox.js'
import { smtpTransport } from '../../src/mail/transport.js'
import { createTestDatabase } from '../helpers/database.js'
import { startSmtpSink } from './smtp-sink.js'

const logger = pino({ level: 'silent' })
const FROM = 'did-edge <no-reply@edge.example.com>'

const mail = (to: string, overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  kind: 'notification',
  userId: null,
  to,
  subject: `Hello ${to}`,
  text: 'A text part.\n',
  html: '<p>An HTML part.</p>\n',
  ...overrides,
})

t.test('the mail worker', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: true })
  const prisma: PrismaClient = db.prisma
  const sink = await startSmtpSink(t)
  let clock = new Date()
  const worker = (url = sink.url) => {
    const w = new MailWorker({ prisma, logger, transport: smtpTransport(url, FROM), now: () => clock, random: () => 1 })
    t.teardown(() => w.stop())
    return w
  }

  t.test('a mail the server refuses for now (451) is retried after its delay and delivered once', async (t) => {
    const id = await queueMail(prisma, mail('retry@example.com'), clock)
    const w = worker()
    sink.refuseNext(1, 451)
    t.equal(await w.runOnce(), 1)
    const waiting = await prisma.outboundEmail.findUniqueOrThrow({ where: { id } })
    t.match(waiting, { status: 'PENDING', attempts: 1, lastError: /451/ })
    t.equal(waiting.nextAttemptAt.getTime(), clock.getTime() + 30_000, 'the first retry waits 30 s')
    clock = new Date(clock.getTime() + 29_000)
    t.equal(await w.runOnce(), 0, 'not before its time')
    clock = new Date(clock.getTime() + 1_000)
    t.equal(await w.runOnce(), 1)
    t.equal(await w.runOnce(), 0, 'nothing left to send')
    t.equal(sink.mails.filter((m) => m.rcptTo.includes('retry@example.com')).length, 1, 'delivered once')
    t.match(await prisma.outboundEmail.findUniqueOrThrow({ where: { id } }), { status: 'SENT', attempts: 2, lastError: null, sentAt: clock })
  })

  t.test('an unreachable server is retried, and gives up after the last attempt', async (t) => {
    const id = await queueMail(prisma, mail('unreachable@example.com'), clock)
    const w = new MailWorker({ prisma, logger, transport: smtpTransport('smtp://127.0.0.1:1', FROM), now: () => clock, retryPolicy: { maxAttempts: 2 } })
    t.teardown(() => w.stop())
    t.equal(await w.runOnce(), 1)
    t.match(await prisma.outboundEmail.findUniqueOrThrow({ where: { id } }), { status: 'PENDING', attempts: 1, lastError: /ECONNREFUSED/ })
    clock = new Date(clock.getTime() + 60_000)
    t.equal(await w.runOnce(), 1)
    t.match(await prisma.outboundEmail.findUniqueOrThrow({ where: { id } }), { status: 'FAILED', attempts: 2, lastError: /gave up after 2 attempts/ })
  })

  t.test('a permanent refusal (550) fails the mail at once, and a token mail keeps no body', async (t) => {
    const id = await queueMail(prisma, mail('gone@example.com', { text: 'token abc\n', html: '<p>token abc</p>', secret: true }), clock)
    sink.refuseNext(1, 550)
    t.equal(await worker().runOnce(), 1)
    t.match(await prisma.outboundEmail.findUniqueOrThrow({ where: { id } }), {
      status: 'FAILED',
      attempts: 1,
      lastError: /550/,
      textBody: SCRUBBED_BODY,
      htmlBody: SCRUBBED_BODY,
    })
  })

  t.test('a mail queued in a transaction that rolls back is never sent', async (t) => {
    await prisma
      .$transaction(async (tx) => {
        await queueMail(tx, mail('rolled-back@example.com'), clock)
        throw new Error('the change failed')
      })
      .catch(() => {})
    await queueMail(prisma, mail('committed@example.com'), clock)
    const w = worker()
    t.equal(await w.runOnce(), 1, 'only the committed mail is there to claim')
    t.same(sink.mails.filter((m) => /rolled-back|committed/.test(m.rcptTo[0] ?? '')).map((m) => m.rcptTo[0]), ['committed@example.com'])
  })

  t.test('workers sharing the outbox send each of 30 mails exactly once', async (t) => {
    const before = sink.mails.length
    for (let i = 0; i < 30; i++) await queueMail(prisma, mail(`shared-${i}@example.com`), clock)
    const workers = [worker(), worker(), worker()]
    for (let round = 0; round < 10; round++) {
      const claimed = await Promise.all(workers.map((w) => w.runOnce()))
      if (claimed.every((n) => n === 0)) break
    }
    const received = sink.mails.slice(before).map((m) => m.rcptTo[0])
    t.equal(received.length, 30)
    t.equal(new Set(received).size, 30, 'no address twice')
    t.equal(await prisma.outboundEmail.count({ where: { recipient: { startsWith: 'shared-' }, status: 'SENT', attempts: 1 } }), 30)
  })
})
