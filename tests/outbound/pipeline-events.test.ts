// The ingest writers queue outbound webhook events in the batches that write the logs, on
// Postgres and PGlite: once per status change, however callbacks repeat, reorder or split.
import pg from 'pg'
import t from 'tap'
import type { Database } from '../../src/db/database.js'
import type { PrismaClient, WebhookEvent } from '../../src/generated/prisma/client.js'
import type { IngestEvent, NumberRef } from '../../src/ingest/events.js'
import { parseRateCard } from '../../src/ingest/rate-card.js'
import { writeBatch } from '../../src/ingest/writer.js'
import {
  callLifecycle,
  callStartedEvent,
  callStatusEvent,
  createOwnedNumber,
  migratedDatabase,
  seededRandom,
  shuffle,
  smsReceivedEvent,
  smsStatusEvent,
  uniqueId,
} from '../ingest/support.js'
import { createTestDatabase } from '../helpers/database.js'

const card = parseRateCard(undefined)
const NOW = new Date('2026-03-10T15:00:00.000Z')
const ALL_PIPELINE_EVENTS: WebhookEvent[] = [
  'CALL_STARTED',
  'CALL_ANSWERED',
  'CALL_COMPLETED',
  'CALL_FAILED',
  'SMS_RECEIVED',
  'SMS_SENT',
  'SMS_DELIVERED',
  'SMS_FAILED',
]

async function write(prisma: PrismaClient, events: IngestEvent[]) {
  return writeBatch(prisma, events, card, NOW)
}

/** A number whose owner has one active endpoint subscribed to `events`. */
async function subscribedNumber(prisma: PrismaClient, events: WebhookEvent[] = ALL_PIPELINE_EVENTS) {
  const ref = await createOwnedNumber(prisma)
  const endpoint = await prisma.webhookEndpoint.create({
    data: { userId: ref.userId, url: 'https://hooks.example.com/did-edge', events, secret: 'whsec_dGVzdA==', retryPolicy: {} },
  })
  return { ref, endpoint }
}

/** The queued events of an endpoint about one call or message, as `EVENT` strings in queue order. */
async function queued(prisma: PrismaClient, endpointId: string, sidKey: 'callSid' | 'messageSid', sid: string): Promise<string[]> {
  const rows = await prisma.webhookDelivery.findMany({ where: { webhookEndpointId: endpointId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
  return rows
    .filter((r) => (r.payload as { data: Record<string, unknown> }).data[sidKey] === sid)
    .map((r) => r.event)
    .sort()
}

for (const kind of ['postgres', 'pglite'] as const) {
  t.test(`${kind}: pipeline events`, async (t) => {
    const db: Database = await migratedDatabase(t, kind)
    const { prisma } = db

    t.test('a call written callback by callback queues started, answered and completed once each, with the call as data', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const sid = uniqueId('CA')
      for (const event of callLifecycle(ref, sid, 61)) await write(prisma, [event])
      t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_ANSWERED', 'CALL_COMPLETED', 'CALL_STARTED'])
      const completed = await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id, event: 'CALL_COMPLETED' } })
      const payload = completed.payload as { id: string; event: string; createdAt: string; data: Record<string, unknown> }
      t.match(payload.id, /^evt_[0-9a-f]{32}$/)
      t.equal(payload.event, 'CALL_COMPLETED')
      t.equal(payload.createdAt, '2026-03-10T14:01:06.000Z', 'the event time is when the call ended')
      t.match(payload.data, {
        callSid: sid,
        numberId: ref.numberId,
        from: '+12125550142',
        direction: 'INBOUND',
        status: 'COMPLETED',
        duration: 61,
        billableDuration: 61,
        startedAt: '2026-03-10T14:00:00.000Z',
        endedAt: '2026-03-10T14:01:06.000Z',
      })
      t.equal(completed.status, 'PENDING')
      t.equal(completed.attemptCount, 0)
    })

    t.test('the same callbacks shuffled, repeated and split into random batches queue the same events once', async (t) => {
      const random = seededRandom(kind === 'postgres' ? 7 : 11)
      for (let run = 0; run < 6; run++) {
        const { ref, endpoint } = await subscribedNumber(prisma)
        const sid = uniqueId('CA')
        const events = shuffle([...callLifecycle(ref, sid, 61), ...callLifecycle(ref, sid, 61).slice(1)], random)
        let i = 0
        while (i < events.length) {
          const size = 1 + Math.floor(random() * 4)
          await write(prisma, events.slice(i, i + size))
          i += size
        }
        t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_ANSWERED', 'CALL_COMPLETED', 'CALL_STARTED'], `run ${run}`)
      }
    })

    t.test('a repeated completed callback queues nothing more, and a late ringing neither', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const sid = uniqueId('CA')
      await write(prisma, callLifecycle(ref, sid, 30))
      const completed = callStatusEvent(ref, sid, 'completed', 3, 35, { callDuration: 30 })
      await write(prisma, [completed])
      await write(prisma, [completed, callStatusEvent(ref, sid, 'ringing', 1, 1)])
      t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_ANSWERED', 'CALL_COMPLETED', 'CALL_STARTED'])
    })

    t.test('an unanswered call queues started and failed, never answered or completed', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const sid = uniqueId('CA')
      await write(prisma, [callStartedEvent(ref, sid)])
      await write(prisma, [callStatusEvent(ref, sid, 'no-answer', 2, 30), callStatusEvent(ref, sid, 'no-answer', 2, 30)])
      await write(prisma, [callStatusEvent(ref, sid, 'completed', 3, 31, { callDuration: 0 })])
      t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_FAILED', 'CALL_STARTED'])
    })

    t.test('only the subscribed events of active endpoints are queued, one per endpoint', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma, ['CALL_COMPLETED'])
      const second = await prisma.webhookEndpoint.create({
        data: { userId: ref.userId, url: 'https://other.example.com/', events: ['CALL_STARTED', 'CALL_COMPLETED'], secret: 'whsec_dGVzdA==', retryPolicy: {} },
      })
      const inactive = await prisma.webhookEndpoint.create({
        data: { userId: ref.userId, url: 'https://off.example.com/', events: ALL_PIPELINE_EVENTS, secret: 'whsec_dGVzdA==', retryPolicy: {}, isActive: false },
      })
      const stranger = await subscribedNumber(prisma)
      const sid = uniqueId('CA')
      await write(prisma, callLifecycle(ref, sid, 10))
      t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_COMPLETED'])
      t.same(await queued(prisma, second.id, 'callSid', sid), ['CALL_COMPLETED', 'CALL_STARTED'])
      t.same(await queued(prisma, inactive.id, 'callSid', sid), [])
      t.same(await queued(prisma, stranger.endpoint.id, 'callSid', sid), [], "another user's endpoint hears nothing")
    })

    t.test('a user without endpoints gets logs written as before and nothing queued', async (t) => {
      const ref: NumberRef = await createOwnedNumber(prisma)
      const before = await prisma.webhookDelivery.count()
      const sid = uniqueId('CA')
      await write(prisma, callLifecycle(ref, sid, 10))
      t.equal((await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: sid } })).status, 'COMPLETED')
      t.equal(await prisma.webhookDelivery.count(), before)
    })

    t.test('an inbound message queues SMS_RECEIVED once, with its body', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const sid = uniqueId('SM')
      const message = smsReceivedEvent(ref, sid, { body: 'Is the shop open?' })
      await write(prisma, [message, message])
      await write(prisma, [message])
      t.same(await queued(prisma, endpoint.id, 'messageSid', sid), ['SMS_RECEIVED'])
      const row = await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookEndpointId: endpoint.id, event: 'SMS_RECEIVED' } })
      t.match((row.payload as { data: unknown }).data, { messageSid: sid, body: 'Is the shop open?', direction: 'INBOUND', mediaUrls: [] })
    })

    t.test('an outbound message queues sent and delivered once each, in any order of callbacks', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const inOrder = uniqueId('SM')
      for (const status of ['queued', 'sent', 'delivered', 'delivered']) await write(prisma, [smsStatusEvent(ref, inOrder, status, 1)])
      t.same(await queued(prisma, endpoint.id, 'messageSid', inOrder), ['SMS_DELIVERED', 'SMS_SENT'])
      const reversed = uniqueId('SM')
      for (const status of ['delivered', 'sent', 'queued']) await write(prisma, [smsStatusEvent(ref, reversed, status, 1)])
      t.same(await queued(prisma, endpoint.id, 'messageSid', reversed), ['SMS_DELIVERED', 'SMS_SENT'])
    })

    t.test('an outbound message that fails queues SMS_FAILED once; undelivered after sent is a failure too', async (t) => {
      const { ref, endpoint } = await subscribedNumber(prisma)
      const failed = uniqueId('SM')
      await write(prisma, [smsStatusEvent(ref, failed, 'queued', 0)])
      await write(prisma, [smsStatusEvent(ref, failed, 'failed', 1, { errorCode: '30003' })])
      await write(prisma, [smsStatusEvent(ref, failed, 'failed', 2), smsStatusEvent(ref, failed, 'sent', 1)])
      t.same(await queued(prisma, endpoint.id, 'messageSid', failed), ['SMS_FAILED'])
      const undelivered = uniqueId('SM')
      await write(prisma, [smsStatusEvent(ref, undelivered, 'sent', 0)])
      await write(prisma, [smsStatusEvent(ref, undelivered, 'undelivered', 5)])
      await write(prisma, [smsStatusEvent(ref, undelivered, 'undelivered', 6)])
      t.same(await queued(prisma, endpoint.id, 'messageSid', undelivered), ['SMS_FAILED', 'SMS_SENT'])
    })
  })
}

t.test('postgres: two batches completing the same call at once queue its completion once', async (t) => {
  const { db, url } = await createTestDatabase(t, { migrate: true })
  const { prisma } = db
  const { ref, endpoint } = await subscribedNumber(prisma)
  const sid = uniqueId('CA')
  await write(prisma, [callStartedEvent(ref, sid)])
  // A third connection holds the call's row while both batches start, so both take their
  // snapshot before either commits. The second also brings the recording, so its UPDATE still
  // changes the row the first completed: only the status it reads under the lock tells it that
  // the completion is not its own.
  const blocker = new pg.Client({ connectionString: url })
  // pg_stat_activity is read outside the blocker's transaction, which would freeze what it shows.
  const watcher = new pg.Client({ connectionString: url })
  await Promise.all([blocker.connect(), watcher.connect()])
  t.teardown(() => Promise.all([blocker.end(), watcher.end()]))
  await blocker.query('BEGIN')
  await blocker.query('SELECT 1 FROM call_logs WHERE twilio_call_sid = $1 FOR UPDATE', [sid])
  const waiting = async (n: number) => {
    for (;;) {
      const { rows } = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      )
      if (rows[0].n >= n) return
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const plain = write(prisma, [callStatusEvent(ref, sid, 'completed', 3, 40, { callDuration: 35 })])
  await waiting(1)
  const withRecording = write(prisma, [
    callStatusEvent(ref, sid, 'completed', 3, 40, { callDuration: 35, recordingUrl: 'https://api.twilio.com/recordings/RE1', recordingSid: 'RE1' }),
  ])
  await waiting(2)
  await blocker.query('COMMIT')
  await Promise.all([plain, withRecording])
  const row = await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: sid } })
  t.equal(row.recordingUrl, 'https://api.twilio.com/recordings/RE1', 'the second batch did change the row')
  t.same(await queued(prisma, endpoint.id, 'callSid', sid), ['CALL_ANSWERED', 'CALL_COMPLETED', 'CALL_STARTED'], 'each once')
})
