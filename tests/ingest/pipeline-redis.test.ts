// The pipeline with Redis: publish → buffer → stream → consumer group → Postgres, through
// Redis and Postgres outages, dead consumers and shutdown.
import t from 'tap'
import type { Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeEvent } from '../../src/ingest/event-codec.js'
import { createIngestPipeline, type IngestPipelineOptions } from '../../src/ingest/pipeline.js'
import { parseRateCard } from '../../src/ingest/rate-card.js'
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import { createTestDatabase } from '../helpers/database.js'
import { SHARED_REDIS_URL, metricValue, privateRedis, testClient, testKeyPrefix, testLogger } from './redis-support.js'
import {
  callStartedEvent,
  createOwnedNumber,
  cutDatabase,
  eventually,
  expectWrittenOnce,
  restoreDatabase,
  smsReceivedEvent,
  uniqueId,
  workload,
} from './support.js'

const { db, name: databaseName } = await createTestDatabase(t, { migrate: true })
const prisma: PrismaClient = db.prisma

// Short intervals: the tests wait on outcomes, never on these timings.
function pipeline(t: Test, options: Partial<IngestPipelineOptions> & { redis: IngestPipelineOptions['redis'] }) {
  const metrics: Metrics = options.metrics ?? createMetrics()
  const p = createIngestPipeline({
    prisma,
    metrics,
    logger: testLogger(),
    rateCard: parseRateCard(undefined),
    blockMs: 200,
    retryInitialMs: 50,
    retryMaxMs: 500,
    sampleIntervalMs: 100,
    ...options,
  })
  t.teardown(() => p.close())
  return { pipeline: p, metrics }
}

t.test('events published are all in Postgres shortly after, and the stream is left empty', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const ref = await createOwnedNumber(prisma)
  const { pipeline: p, metrics } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix } })
  await p.start()
  const work = workload(ref, 60, 40)
  for (const event of work.events) p.publish(event)

  await expectWrittenOnce(t, prisma, ref, work)
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'enqueued' }), work.events.length, 'every event counted as enqueued')
  const redis = testClient(t)
  await eventually('the stream emptied', async () => (await redis.xlen(`${keyPrefix}ingest:events`)) === 0)
  await eventually('nothing pending', async () => Number(((await redis.xpending(`${keyPrefix}ingest:events`, 'ingest')) as unknown[])[0]) === 0)
  await eventually('the lag and batch metrics report the writes', async () => (await metrics.ingestBatchSize.get()).values.some((v) => v.metricName?.endsWith('_count') && v.value > 0))
})

t.test('Redis stopped and restarted: webhooks go on publishing, and every event arrives exactly once', async (t) => {
  const redisServer = await privateRedis(t)
  const keyPrefix = `did-edge-test:${uniqueId('')}:`
  const ref = await createOwnedNumber(prisma)
  const { pipeline: p, metrics } = pipeline(t, { redis: { url: redisServer.url, keyPrefix } })
  await p.start()

  const before = workload(ref, 10, 5)
  for (const event of before.events) p.publish(event)
  await eventually('the first events written', async () => (await prisma.callLog.count({ where: { twilioCallSid: { in: before.callSids }, status: 'COMPLETED' } })) === 10)

  await redisServer.stop()
  const during = workload(ref, 20, 10)
  t.doesNotThrow(() => {
    for (const event of during.events) p.publish(event)
  }, 'publishing goes on while Redis is down')
  await eventually('events held in memory while Redis is down', async () => (await metricValue(metrics.ingestQueueDepth, { place: 'memory' })) === during.events.length)

  await redisServer.start()
  await expectWrittenOnce(t, prisma, ref, { callSids: [...before.callSids, ...during.callSids], messageSids: [...before.messageSids, ...during.messageSids] })
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 0, 'nothing dropped')
})

t.test('Postgres unreachable: events wait in the stream and are all written once it is back, none twice', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const ref = await createOwnedNumber(prisma)
  // Claims far more eager than the outage is long: a consumer that is alive but retrying
  // must not look dead.
  const { pipeline: p, metrics } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix }, claimIdleMs: 300, claimIntervalMs: 100 })
  await p.start()
  const redis = testClient(t)

  await cutDatabase(databaseName)
  let restored = false
  t.teardown(() => (restored ? undefined : restoreDatabase(databaseName)))
  const work = workload(ref, 30, 20)
  for (const event of work.events) p.publish(event)
  await eventually('writes failing', async () => (await metricValue(metrics.ingestWriteFailures)) >= 2)
  await eventually('the events waiting in the stream', async () => (await redis.xlen(`${keyPrefix}ingest:events`)) === work.events.length)

  await sleep(1_000)
  t.equal(await metricValue(metrics.ingestReclaimed), 0, 'the retrying consumer keeps its entries; nothing is reclaimed')

  await restoreDatabase(databaseName)
  restored = true
  await expectWrittenOnce(t, prisma, ref, work)
  await eventually('the stream emptied', async () => (await redis.xlen(`${keyPrefix}ingest:events`)) === 0)
})

t.test('entries a dead consumer left pending are reclaimed and written by another consumer', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const stream = `${keyPrefix}ingest:events`
  const ref = await createOwnedNumber(prisma)
  const work = workload(ref, 8, 4)
  const redis = testClient(t)

  // The dead consumer: reads everything, then never acknowledges.
  await redis.xgroup('CREATE', stream, 'ingest', '0', 'MKSTREAM')
  for (const event of work.events) await redis.xadd(stream, '*', 'e', encodeEvent(event))
  const read = (await redis.xreadgroup('GROUP', 'ingest', 'dead-consumer', 'COUNT', 1000, 'STREAMS', stream, '>')) as [string, unknown[]][]
  t.equal(read[0]?.[1].length, work.events.length, 'all entries delivered to the dead consumer')

  const { pipeline: p, metrics } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix }, claimIdleMs: 500, claimIntervalMs: 100 })
  await p.start()
  await expectWrittenOnce(t, prisma, ref, work)
  t.equal(await metricValue(metrics.ingestReclaimed), work.events.length, 'each entry reclaimed once')
  await eventually('nothing pending', async () => Number(((await redis.xpending(stream, 'ingest')) as unknown[])[0]) === 0)
  await eventually('the pending gauge sampled at zero', async () => (await metricValue(metrics.ingestPending)) === 0)
})

t.test('close() drains: what a producer-only instance published is in the stream, and a consumer writes it later', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const ref = await createOwnedNumber(prisma)
  const work = workload(ref, 25, 10)
  const producer = createIngestPipeline({ prisma, metrics: createMetrics(), logger: testLogger(), rateCard: parseRateCard(undefined), redis: { url: SHARED_REDIS_URL, keyPrefix }, consumer: false })
  t.equal(producer.consumerName, null, 'a producer-only instance runs no consumer')
  await producer.start()
  for (const event of work.events) producer.publish(event)
  await producer.close()

  const redis = testClient(t)
  t.equal(await redis.xlen(`${keyPrefix}ingest:events`), work.events.length, 'every event in the stream after close()')
  t.equal(await prisma.callLog.count({ where: { twilioCallSid: { in: work.callSids } } }), 0, 'nothing written by the producer')

  const { pipeline: consumer } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix } })
  await consumer.start()
  await expectWrittenOnce(t, prisma, ref, work)
  await consumer.close()
  const consumers = (await redis.xinfo('CONSUMERS', `${keyPrefix}ingest:events`, 'ingest')) as unknown[]
  t.equal(consumers.length, 0, 'a consumer that closes with nothing pending leaves the group')
})

t.test('an entry that is not an event, and an event no write can take, are set aside; the rest of the batch is written', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const stream = `${keyPrefix}ingest:events`
  const ref = await createOwnedNumber(prisma)
  const work = workload(ref, 5, 5)
  const redis = testClient(t)
  // A number deleted since the webhook answered: the call log's foreign keys refuse it.
  const orphan = callStartedEvent({ numberId: 'gone', userId: 'gone', countryCode: 'US', numberType: 'LOCAL' }, uniqueId('CA'))
  await redis.xadd(stream, '*', 'e', '{"kind":"call.started","half":')
  for (const event of [...work.events.slice(0, 10), orphan, ...work.events.slice(10)]) await redis.xadd(stream, '*', 'e', encodeEvent(event))

  const { pipeline: p, metrics } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix } })
  await p.start()
  await expectWrittenOnce(t, prisma, ref, work)
  await eventually('both set aside', async () => (await redis.xlen(`${keyPrefix}ingest:dead`)) === 2)
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 2)
  await eventually('the stream emptied', async () => (await redis.xlen(stream)) === 0)
})

t.test('events in the stream with NUL or lone surrogates (from an older server) are written cleaned, not set aside', async (t) => {
  const keyPrefix = testKeyPrefix(t)
  const stream = `${keyPrefix}ingest:events`
  const ref = await createOwnedNumber(prisma)
  const redis = testClient(t)
  const callSid = uniqueId('CA')
  const messageSid = uniqueId('SM')
  await redis.xadd(stream, '*', 'e', encodeEvent(callStartedEvent(ref, `${callSid}\u0000`, { from: '+1212555\uD8000142' })))
  await redis.xadd(stream, '*', 'e', encodeEvent(smsReceivedEvent(ref, messageSid, { body: 'hello\u0000 \uDC00' })))

  const { pipeline: p, metrics } = pipeline(t, { redis: { url: SHARED_REDIS_URL, keyPrefix } })
  await p.start()
  await eventually('the stream emptied', async () => (await redis.xlen(stream)) === 0)
  const call = await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: callSid } })
  t.equal(call.fromNumber, '+1212555\uFFFD0142')
  const sms = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: messageSid } })
  t.equal(sms.body, 'hello \uFFFD')
  t.equal(await prisma.usageRecord.count({ where: { resourceId: messageSid } }), 1, 'the message is billed')
  t.equal(await redis.xlen(`${keyPrefix}ingest:dead`), 0, 'nothing set aside')
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 0)
})
