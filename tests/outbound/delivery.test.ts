// The delivery worker against real receivers on 127.0.0.1: signatures any Standard Webhooks
// library verifies, retries per policy through RETRYING to DELIVERED, FAILED or ABANDONED,
// endpoint counters, and the 24-hour disabling.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { recordDomainEvent } from '../../src/events/domain-events.js'
import { buildTestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { createUserWithKey } from '../helpers/users.js'
import { startReceiver, type Receiver } from './receiver.js'

type Auth = Record<string, string>

/** Creates an endpoint through the API pointing at `receiver`, and gives the receiver its secret. */
async function endpointFor(app: FastifyInstance, auth: Auth, receiver: Receiver, body: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/webhook-endpoints',
    headers: auth,
    payload: { url: receiver.url, events: ['CALL_STARTED', 'INVOICE_PAID'], ...body },
  })
  if (res.statusCode !== 201) throw new Error(`creating the endpoint failed: ${res.statusCode} ${res.body}`)
  const endpoint = res.json()
  receiver.secret = endpoint.secret
  return endpoint as { id: string; secret: string }
}

async function sendTest(app: FastifyInstance, auth: Auth, endpointId: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/webhook-endpoints/${endpointId}/test`, headers: auth })
  if (res.statusCode !== 202) throw new Error(`test delivery refused: ${res.statusCode} ${res.body}`)
  return res.json().id
}

/** Waits until the delivery reaches a final status, and returns it. */
function settled(app: FastifyInstance, id: string, ms = 15_000) {
  return eventually(
    async () => {
      const d = await app.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })
      return d.status === 'PENDING' || d.status === 'RETRYING' ? undefined : d
    },
    ms,
    `delivery ${id} to settle`,
  )
}

const fast = { initialDelay: 10, maxDelay: 50 }

t.test('outbound webhook deliveries', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)

  t.test('a test delivery arrives signed, verifies with the standardwebhooks package, and is recorded as DELIVERED', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 200, body: 'thanks' }))
    const endpoint = await endpointFor(app, alice.auth, receiver)
    const id = await sendTest(app, alice.auth, endpoint.id)
    const delivery = await settled(app, id)
    t.equal(receiver.requests.length, 1)
    const [request] = receiver.requests
    t.equal(request!.error, null, 'the signature verifies')
    t.equal(request!.headers['content-type'], 'application/json')
    t.match(request!.headers['webhook-signature'], /^v1,/)
    t.ok(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000) < 60, 'webhook-timestamp is now, in unix seconds')
    const payload = (delivery.payload as { id: string })
    t.equal(request!.id, payload.id, 'webhook-id is the payload id')
    t.same(Object.keys(JSON.parse(request!.body)), ['id', 'event', 'createdAt', 'data'], 'the body is { id, event, createdAt, data }')
    t.match(request!.verified, { event: 'CALL_STARTED', data: { test: true, webhookEndpointId: endpoint.id } })
    t.match(delivery, { status: 'DELIVERED', attemptCount: 1, httpStatus: 200, responseBody: 'thanks', errorMessage: null, nextRetryAt: null })
    t.ok(delivery.deliveredAt instanceof Date)
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })
    t.match(row, { deliveryCount: 1, failureCount: 0, lastStatus: 'DELIVERED' })
    t.ok(row.lastDeliveryAt instanceof Date)
  })

  t.test('an event recorded for the user reaches every subscribed endpoint, and only those', async (t) => {
    const carol = await createUserWithKey(prisma)
    const subscribed = await startReceiver(t)
    const other = await startReceiver(t)
    await endpointFor(app, carol.auth, subscribed, { events: ['INVOICE_PAID'] })
    await endpointFor(app, carol.auth, other, { events: ['CALL_FAILED'] })
    const queued = await recordDomainEvent(prisma, { userId: carol.user.id, event: 'INVOICE_PAID', data: { invoiceId: 'inv_1', amount: '12.5000' } })
    t.equal(queued, 1)
    app.outboundWebhooks.worker.wake()
    await eventually(() => subscribed.requests.length === 1, 10_000, 'the invoice event')
    t.match(subscribed.requests[0]!.verified, { event: 'INVOICE_PAID', data: { invoiceId: 'inv_1', amount: '12.5000' } })
    t.equal(other.requests.length, 0)
  })

  t.test('a receiver that fails twice with 500 then accepts gets the delivery on the third attempt', async (t) => {
    const receiver = await startReceiver(t, (_r, n) => (n <= 2 ? { status: 500, body: 'not yet' } : { status: 202, body: 'accepted' }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: fast })
    const id = await sendTest(app, alice.auth, endpoint.id)
    const delivery = await settled(app, id)
    t.match(delivery, { status: 'DELIVERED', attemptCount: 3, httpStatus: 202, responseBody: 'accepted', nextRetryAt: null })
    t.equal(receiver.requests.length, 3)
    t.equal(new Set(receiver.requests.map((r) => r.id)).size, 1, 'every attempt carries the same webhook-id')
    t.ok(receiver.requests.every((r) => r.error === null), 'every attempt is signed')
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })
    t.match(row, { deliveryCount: 1, failureCount: 2, lastStatus: 'DELIVERED' })
  })

  t.test('a 4xx not in retryOn fails the delivery at once', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 404, body: 'no such hook' }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: fast })
    const delivery = await settled(app, await sendTest(app, alice.auth, endpoint.id))
    t.match(delivery, { status: 'FAILED', attemptCount: 1, httpStatus: 404, responseBody: 'no such hook', errorMessage: /HTTP 404/ })
    t.equal(receiver.requests.length, 1)
    t.match(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } }), { failureCount: 1, deliveryCount: 0, lastStatus: 'FAILED' })
  })

  t.test('a 429 in retryOn is retried; after maxAttempts the delivery is ABANDONED', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 429, body: 'slow down' }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: { ...fast, maxAttempts: 3, backoffStrategy: 'linear' } })
    const delivery = await settled(app, await sendTest(app, alice.auth, endpoint.id))
    t.match(delivery, { status: 'ABANDONED', attemptCount: 3, httpStatus: 429, nextRetryAt: null, errorMessage: /gave up after 3 attempts/ })
    t.equal(receiver.requests.length, 3)
    t.match(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } }), { failureCount: 3, lastStatus: 'ABANDONED' })
  })

  t.test('no answer at all (connection refused) is retried like a retryable status', async (t) => {
    const receiver = await startReceiver(t)
    const closedPort = receiver.url.replace(/:\d+\//, ':9/')
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      headers: alice.auth,
      payload: { url: closedPort, events: ['CALL_STARTED'], retryPolicy: { ...fast, maxAttempts: 2 } },
    })
    const delivery = await settled(app, await sendTest(app, alice.auth, res.json().id))
    t.match(delivery, { status: 'ABANDONED', attemptCount: 2, httpStatus: null, errorMessage: /ECONNREFUSED/ })
  })

  t.test('a receiver slower than the endpoint timeout counts as a failed attempt', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 3_000 }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { timeout: 1, retryPolicy: { ...fast, maxAttempts: 1 } })
    const delivery = await settled(app, await sendTest(app, alice.auth, endpoint.id))
    t.match(delivery, { status: 'ABANDONED', attemptCount: 1, httpStatus: null, errorMessage: /timeout/i })
  })

  t.test('the answer kept on the delivery is cut at 2 kB', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 200, body: 'x'.repeat(100_000) }))
    const endpoint = await endpointFor(app, alice.auth, receiver)
    const delivery = await settled(app, await sendTest(app, alice.auth, endpoint.id))
    t.equal(delivery.status, 'DELIVERED')
    t.equal(delivery.responseBody!.length, 2048)
  })

  t.test('an endpoint failing for 24 hours without a success is disabled and its owner notified', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 503 }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: { ...fast, maxAttempts: 1 } })
    // A delivery that failed 25 hours ago, and none delivered since.
    const longAgo = new Date(Date.now() - 25 * 60 * 60 * 1000)
    await prisma.webhookDelivery.create({
      data: {
        webhookEndpointId: endpoint.id,
        event: 'CALL_STARTED',
        payload: { id: 'evt_old', event: 'CALL_STARTED', createdAt: longAgo.toISOString(), data: {} },
        status: 'ABANDONED',
        attemptCount: 1,
        httpStatus: 503,
        createdAt: longAgo,
      },
    })
    await settled(app, await sendTest(app, alice.auth, endpoint.id))
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })
    t.equal(row.isActive, false, 'disabled')
    const notification = await prisma.notification.findFirstOrThrow({ where: { userId: alice.user.id, title: 'Webhook endpoint disabled' } })
    t.match(notification, { type: 'SYSTEM', priority: 'HIGH', channels: ['IN_APP', 'EMAIL'], metadata: { webhookEndpointId: endpoint.id } })
    t.match(notification.message, receiver.url)
    const again = await app.inject({ method: 'POST', url: `/api/v1/webhook-endpoints/${endpoint.id}/test`, headers: alice.auth })
    t.equal(again.statusCode, 409, 'a disabled endpoint is not tested')
  })

  t.test('failures for less than 24 hours, or since a success, do not disable an endpoint', async (t) => {
    const receiver = await startReceiver(t, () => ({ status: 503 }))
    const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: { ...fast, maxAttempts: 1 } })
    const hoursAgo = (h: number) => new Date(Date.now() - h * 60 * 60 * 1000)
    const old = (status: 'ABANDONED' | 'DELIVERED', at: Date) =>
      prisma.webhookDelivery.create({
        data: {
          webhookEndpointId: endpoint.id,
          event: 'CALL_STARTED',
          payload: { id: `evt_${at.getTime()}`, event: 'CALL_STARTED', createdAt: at.toISOString(), data: {} },
          status,
          attemptCount: 1,
          createdAt: at,
          ...(status === 'DELIVERED' && { deliveredAt: at }),
        },
      })
    await old('ABANDONED', hoursAgo(30))
    await old('DELIVERED', hoursAgo(20))
    await old('ABANDONED', hoursAgo(10))
    await settled(app, await sendTest(app, alice.auth, endpoint.id))
    t.equal((await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).isActive, true)
  })

  t.test('a paused endpoint keeps its deliveries waiting and sends them when resumed', async (t) => {
    const dave = await createUserWithKey(prisma)
    const receiver = await startReceiver(t)
    const endpoint = await endpointFor(app, dave.auth, receiver, { events: ['CALL_FAILED'] })
    const pause = await app.inject({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${endpoint.id}`, headers: dave.auth, payload: { isActive: false } })
    t.equal(pause.statusCode, 200)
    t.equal(await recordDomainEvent(prisma, { userId: dave.user.id, event: 'CALL_FAILED', data: {} }), 0, 'nothing is queued for an inactive endpoint')
    // A delivery queued before the pause waits.
    const waiting = await prisma.webhookDelivery.create({
      data: { webhookEndpointId: endpoint.id, event: 'CALL_FAILED', payload: { id: 'evt_waiting', event: 'CALL_FAILED', createdAt: new Date().toISOString(), data: {} } },
    })
    app.outboundWebhooks.worker.wake()
    await new Promise((r) => setTimeout(r, 300))
    t.equal((await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: waiting.id } })).status, 'PENDING')
    await app.inject({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${endpoint.id}`, headers: dave.auth, payload: { isActive: true } })
    t.equal((await settled(app, waiting.id)).status, 'DELIVERED')
    t.same(receiver.uniqueIds(), ['evt_waiting'])
  })

  t.test('a finished delivery is redelivered as a new delivery with the same webhook-id', async (t) => {
    const receiver = await startReceiver(t)
    const endpoint = await endpointFor(app, alice.auth, receiver)
    const first = await settled(app, await sendTest(app, alice.auth, endpoint.id))
    const res = await app.inject({ method: 'POST', url: `/api/v1/webhook-deliveries/${first.id}/redeliver`, headers: alice.auth })
    t.equal(res.statusCode, 202)
    const copy = res.json()
    t.not(copy.id, first.id)
    t.match(copy, { status: 'PENDING', attemptCount: 0, webhookEndpointId: endpoint.id })
    t.same(copy.payload, first.payload)
    t.equal((await settled(app, copy.id)).status, 'DELIVERED')
    t.equal(receiver.requests.length, 2)
    t.equal(receiver.requests[0]!.id, receiver.requests[1]!.id, 'the receiver can tell it is the same event')
    t.match(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: first.id } }), { status: 'DELIVERED', attemptCount: 1 }, 'the original is untouched')
    const audit = await prisma.auditLog.findFirst({ where: { action: 'CREATE', resource: 'webhook_delivery', resourceId: copy.id } })
    t.ok(audit?.success)
  })

  t.test('a delivery still queued is not redelivered', async (t) => {
    const receiver = await startReceiver(t)
    const endpoint = await endpointFor(app, alice.auth, receiver)
    const queued = await prisma.webhookDelivery.create({
      data: {
        webhookEndpointId: endpoint.id,
        event: 'CALL_STARTED',
        payload: { id: 'evt_later', event: 'CALL_STARTED', createdAt: new Date().toISOString(), data: {} },
        status: 'RETRYING',
        attemptCount: 1,
        nextRetryAt: new Date(Date.now() + 60 * 60 * 1000),
      },
    })
    const res = await app.inject({ method: 'POST', url: `/api/v1/webhook-deliveries/${queued.id}/redeliver`, headers: alice.auth })
    t.equal(res.statusCode, 409)
    t.match(res.json().message, /still RETRYING/)
  })
})

t.test('deliveries, retries and send times are counted in /metrics', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const receiver = await startReceiver(t, (_request, n) => (n === 1 ? { status: 503 } : { status: 200 }))
  const endpoint = await endpointFor(app, alice.auth, receiver, { retryPolicy: { maxAttempts: 3, backoffStrategy: 'fixed', retryOn: [503], ...fast } })
  const delivery = await settled(app, await sendTest(app, alice.auth, endpoint.id))
  t.equal(delivery.status, 'DELIVERED')
  const scrape = (await app.inject({ url: '/metrics' })).body
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(scrape)?.[1])
  t.equal(value('did_edge_outbound_deliveries_total{status="retrying"}'), 1, 'the 503 was counted as a retry to come')
  t.equal(value('did_edge_outbound_deliveries_total{status="delivered"}'), 1)
  t.equal(value('did_edge_outbound_retries_total'), 1, 'the second attempt was a retry')
  t.equal(value('did_edge_outbound_delivery_duration_seconds_count'), 2, 'both sends were timed')
  t.equal(value('did_edge_outbound_due'), 0, 'nothing is left waiting')
})
