// Deliveries live in the database, not in an instance: they survive a restart, are shared by
// several instances without duplicates, and start from the ingest pipeline's own writes.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build } from '../../src/app.js'
import { recordDomainEvent } from '../../src/events/domain-events.js'
import { testConfig } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { postSigned, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'
import { startReceiver, type Receiver } from './receiver.js'

async function endpointFor(app: FastifyInstance, auth: Record<string, string>, receiver: Receiver, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/webhook-endpoints', headers: auth, payload: { url: receiver.url, ...body } })
  if (res.statusCode !== 201) throw new Error(`creating the endpoint failed: ${res.statusCode} ${res.body}`)
  receiver.secret = res.json().secret
  return res.json() as { id: string }
}

t.test('a delivery between retries when its instance stops is completed by the next one on the same database', async (t) => {
  const config = await testConfig(t)
  const first = await build(config)
  let firstClosed = false
  t.teardown(() => (firstClosed ? undefined : first.close()))
  const user = await createUserWithKey(first.db.prisma)
  const receiver = await startReceiver(t, (_r, n) => (n === 1 ? { status: 503 } : { status: 200, body: 'finally' }))
  const endpoint = await endpointFor(first, user.auth, receiver, {
    events: ['CALL_STARTED'],
    retryPolicy: { backoffStrategy: 'fixed', initialDelay: 1500, maxDelay: 1500 },
  })
  const queued = await first.inject({ method: 'POST', url: `/api/v1/webhook-endpoints/${endpoint.id}/test`, headers: user.auth })
  const id = queued.json().id
  await eventually(async () => {
    const d = await first.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })
    return d.status === 'RETRYING' && d.attemptCount === 1
  }, 10_000, 'the first attempt to fail')
  await first.close()
  firstClosed = true

  const second = await build(config)
  t.teardown(() => second.close())
  const delivery = await eventually(async () => {
    const d = await second.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })
    return d.status === 'DELIVERED' ? d : undefined
  }, 15_000, 'the retry after the restart')
  t.match(delivery, { attemptCount: 2, httpStatus: 200, responseBody: 'finally' })
  t.equal(receiver.requests.length, 2)
  t.equal(receiver.requests[0]!.id, receiver.requests[1]!.id)
})

t.test('a delivery claimed by an instance that died mid-send is taken again once its lease runs out', async (t) => {
  const config = await testConfig(t)
  const app = await build(config)
  t.teardown(() => app.close())
  const user = await createUserWithKey(app.db.prisma)
  const receiver = await startReceiver(t)
  const endpoint = await endpointFor(app, user.auth, receiver, { events: ['CALL_STARTED'] })
  // What a dead instance leaves: the attempt counted, the row still PENDING, a lease that has expired.
  const orphan = await app.db.prisma.webhookDelivery.create({
    data: {
      webhookEndpointId: endpoint.id,
      event: 'CALL_STARTED',
      payload: { id: 'evt_orphan', event: 'CALL_STARTED', createdAt: new Date().toISOString(), data: {} },
      attemptCount: 1,
      nextRetryAt: new Date(Date.now() - 1000),
    },
  })
  const delivered = await eventually(async () => {
    const d = await app.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: orphan.id } })
    return d.status === 'DELIVERED' ? d : undefined
  }, 10_000, 'the orphan delivered')
  t.equal(delivered.attemptCount, 2)
  t.same(receiver.uniqueIds(), ['evt_orphan'])
})

t.test('two instances on one database deliver twenty events, each exactly once', async (t) => {
  const config = await testConfig(t)
  const apps = [await build(config), await build(config)]
  t.teardown(() => Promise.all(apps.map((a) => a.close())))
  const prisma = apps[0]!.db.prisma
  const user = await createUserWithKey(prisma)
  // Slow enough that both instances have sends in flight at the same time.
  const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 40 }))
  await endpointFor(apps[0]!, user.auth, receiver, { events: ['INVOICE_CREATED'] })
  await prisma.$transaction(async (tx) => {
    for (let i = 0; i < 20; i++) await recordDomainEvent(tx, { userId: user.user.id, event: 'INVOICE_CREATED', data: { n: i } })
  })
  for (const app of apps) app.outboundWebhooks.worker.wake()
  await eventually(async () => (await prisma.webhookDelivery.count({ where: { status: 'DELIVERED' } })) === 20, 20_000, 'twenty deliveries')
  // Let any duplicate that was going to happen arrive.
  await new Promise((r) => setTimeout(r, 300))
  t.equal(receiver.requests.length, 20, 'twenty requests')
  t.equal(receiver.uniqueIds().length, 20, 'twenty different webhook-ids, all verified')
  t.same(receiver.requests.map((r) => r.verified!.data.n).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 20 }, (_, i) => i))
  const attempts = await prisma.webhookDelivery.findMany({ select: { attemptCount: true } })
  t.ok(attempts.every((a) => a.attemptCount === 1), 'one attempt each')
})

t.test('a call through the Twilio webhooks and the ingest pipeline is announced started and completed, once each', async (t) => {
  const config = await testConfig(t, twilioEnv)
  const app = await build(config)
  t.teardown(() => app.close())
  const prisma = app.db.prisma
  const owner = await createUserWithKey(prisma)
  const number = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: owner.auth, payload: numberBody() })).json()
  const receiver = await startReceiver(t)
  const endpoint = await endpointFor(app, owner.auth, receiver, { events: ['CALL_STARTED', 'CALL_COMPLETED'] })

  const params = voiceParams(number.phoneNumber, '+12125550197')
  const callSid = params.CallSid as string
  t.equal((await postSigned(app, '/twilio/voice', params)).statusCode, 200)
  const status = (seq: number) =>
    postSigned(app, '/twilio/voice/status', { ...params, CallStatus: 'completed', SequenceNumber: String(seq), CallDuration: '42' })
  t.equal((await status(2)).statusCode, 204)
  await eventually(async () => (await prisma.callLog.findUnique({ where: { twilioCallSid: callSid } }))?.status === 'COMPLETED', 10_000, 'the call completed')
  // Twilio repeats a callback it thinks was lost: the same completion, again, in later batches.
  t.equal((await status(2)).statusCode, 204)
  t.equal((await status(2)).statusCode, 204)

  await eventually(() => receiver.uniqueIds().length === 2, 10_000, 'two events received')
  await new Promise((r) => setTimeout(r, 1500))
  const events = receiver.requests.map((r) => r.verified!.event).sort()
  t.same(events, ['CALL_COMPLETED', 'CALL_STARTED'], 'started and completed, once each')
  const completed = receiver.requests.find((r) => r.verified!.event === 'CALL_COMPLETED')!.verified!
  t.match(completed.data, { callSid, numberId: number.id, status: 'COMPLETED', duration: 42, from: '+12125550197', to: number.phoneNumber })
  t.equal(await prisma.webhookDelivery.count({ where: { webhookEndpointId: endpoint.id } }), 2)
})
