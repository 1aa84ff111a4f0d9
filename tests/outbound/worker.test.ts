// The delivery worker on its own (no app): its clock decides what is due, stop() ends polling
// and gives back a send cut short, and events recorded with a notification say where they went.
import t from 'tap'
import pino from 'pino'
import { openDatabase } from '../../src/db/database.js'
import { recordDomainEvent, recordDomainEventWithNotification } from '../../src/events/domain-events.js'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import { DeliveryWorker } from '../../src/outbound/delivery-worker.js'
import { generateWebhookSecret } from '../../src/outbound/signature.js'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { createUserWithKey } from '../helpers/users.js'
import { startReceiver, type Receiver } from './receiver.js'

const logger = pino({ level: 'silent' })

async function endpointAt(prisma: PrismaClient, userId: string, receiver: Receiver, retryPolicy: object = {}) {
  const secret = generateWebhookSecret()
  receiver.secret = secret
  return prisma.webhookEndpoint.create({ data: { userId, url: receiver.url, events: ['PAYMENT_FAILED'], secret, retryPolicy } })
}

t.test('the delivery worker', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: true })
  const prisma = db.prisma

  t.test("what is due is decided by the worker's clock: a retry waits for its nextRetryAt", async (t) => {
    const { user } = await createUserWithKey(prisma)
    const receiver = await startReceiver(t)
    const endpoint = await endpointAt(prisma, user.id, receiver)
    const at = new Date()
    const delivery = await prisma.webhookDelivery.create({
      data: {
        webhookEndpointId: endpoint.id,
        event: 'PAYMENT_FAILED',
        payload: { id: 'evt_due_now', event: 'PAYMENT_FAILED', createdAt: at.toISOString(), data: {} },
        status: 'RETRYING',
        attemptCount: 1,
        nextRetryAt: at,
      },
    })
    let clock = new Date(at.getTime() - 60 * 60 * 1000)
    const worker = new DeliveryWorker({ prisma, logger, nodeEnv: 'test', now: () => clock })
    t.equal(await worker.runOnce(), 0, 'not due an hour early')
    clock = at
    t.equal(await worker.runOnce(), 1, 'due at its time')
    t.match(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } }), { status: 'DELIVERED', attemptCount: 2 })
    t.equal(receiver.requests[0]!.headers['webhook-timestamp'], String(Math.floor(at.getTime() / 1000)), 'signed at the worker clock')
    t.equal(receiver.requests[0]!.error, null)
    await worker.stop()
  })

  t.test('a failed attempt is retried after the policy delay measured on the worker clock', async (t) => {
    const { user } = await createUserWithKey(prisma)
    const receiver = await startReceiver(t, (_r, n) => (n === 1 ? { status: 500 } : { status: 200 }))
    const endpoint = await endpointAt(prisma, user.id, receiver, { backoffStrategy: 'fixed', initialDelay: 30_000, maxDelay: 30_000 })
    await recordDomainEvent(prisma, { userId: user.id, event: 'PAYMENT_FAILED', data: { paymentId: 'pay_1' } })
    let clock = new Date()
    const worker = new DeliveryWorker({ prisma, logger, nodeEnv: 'test', now: () => clock })
    t.equal(await worker.runOnce(), 1)
    const retrying = await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id } })
    t.match(retrying, { status: 'RETRYING', attemptCount: 1, httpStatus: 500 })
    t.equal(retrying.nextRetryAt!.getTime(), clock.getTime() + 30_000, 'a fixed delay is exact')
    clock = new Date(clock.getTime() + 29_000)
    t.equal(await worker.runOnce(), 0)
    clock = new Date(clock.getTime() + 1_000)
    t.equal(await worker.runOnce(), 1)
    t.match(await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id } }), { status: 'DELIVERED', attemptCount: 2 })
    await worker.stop()
  })

  t.test('stop() ends the polling and gives a send it had to cut short back to the queue, untried', async (t) => {
    const { user } = await createUserWithKey(prisma)
    const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 10_000 }))
    const endpoint = await endpointAt(prisma, user.id, receiver)
    await recordDomainEvent(prisma, { userId: user.id, event: 'PAYMENT_FAILED', data: {} })
    const worker = new DeliveryWorker({ prisma, logger, nodeEnv: 'test', pollIntervalMs: 60_000, shutdownGraceMs: 50 })
    worker.start()
    worker.wake()
    await eventually(() => receiver.requests.length === 1, 10_000, 'the send to start')
    await worker.stop()
    const delivery = await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id } })
    t.match(delivery, { status: 'PENDING', attemptCount: 0 }, 'not counted as an attempt')
    t.ok(delivery.nextRetryAt!.getTime() <= Date.now(), 'due again at once, for any instance')
  })

  t.test('an event with a notification: WEBHOOK is among its channels only when an endpoint is subscribed', async (t) => {
    const subscribed = await createUserWithKey(prisma)
    const receiver = await startReceiver(t)
    await endpointAt(prisma, subscribed.user.id, receiver)
    const plain = await createUserWithKey(prisma)
    const note = { type: 'BILLING' as const, title: 'Payment failed', message: 'Your card was declined.' }
    const a = await recordDomainEventWithNotification(prisma, { userId: subscribed.user.id, event: 'PAYMENT_FAILED', data: {} }, note)
    t.equal(a.deliveries, 1)
    t.same(a.notification.channels, ['IN_APP', 'WEBHOOK'])
    const b = await recordDomainEventWithNotification(prisma, { userId: plain.user.id, event: 'PAYMENT_FAILED', data: {} }, note)
    t.equal(b.deliveries, 0)
    t.same(b.notification.channels, ['IN_APP'])
  })
})

t.test('the embedded database (PGlite) runs the same queue: events recorded, claimed, delivered and retried', async (t) => {
  const db = await openDatabase({ dataDir: 'memory://', poolMax: 1 })
  t.teardown(() => db.close())
  await db.migrate()
  const prisma = db.prisma
  const { user } = await createUserWithKey(prisma)
  const receiver = await startReceiver(t, (_r, n) => (n === 1 ? { status: 502 } : { status: 200 }))
  const endpoint = await endpointAt(prisma, user.id, receiver, { backoffStrategy: 'fixed', initialDelay: 10, maxDelay: 10 })
  t.equal(await recordDomainEvent(prisma, { userId: user.id, event: 'PAYMENT_FAILED', data: { paymentId: 'pay_2', amount: '9.9900' } }), 1)
  const worker = new DeliveryWorker({ prisma, logger, nodeEnv: 'development' })
  t.equal(await worker.runOnce(), 1)
  await new Promise((r) => setTimeout(r, 20))
  t.equal(await worker.runOnce(), 1)
  await worker.stop()
  t.match(await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id } }), { status: 'DELIVERED', attemptCount: 2 })
  t.match(receiver.requests[1]!.verified, { event: 'PAYMENT_FAILED', data: { paymentId: 'pay_2', amount: '9.9900' } })
})
