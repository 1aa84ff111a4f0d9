// The pipeline without Redis: an in-process queue written in batches, retried while the
// database is away, drained on close.
import t from 'tap'
import type { Test } from 'tap'
import type { Database } from '../../src/db/database.js'
import { createIngestPipeline, type IngestPipelineOptions } from '../../src/ingest/pipeline.js'
import { parseRateCard } from '../../src/ingest/rate-card.js'
import { createMetrics } from '../../src/metrics/metrics.js'
import { createTestDatabase } from '../helpers/database.js'
import { metricValue, testLogger } from './redis-support.js'
import { createOwnedNumber, cutDatabase, eventually, expectWrittenOnce, migratedDatabase, restoreDatabase, workload } from './support.js'

const { db, name: databaseName } = await createTestDatabase(t, { migrate: true })

function memoryPipeline(t: Test, database: Database, options: Partial<IngestPipelineOptions> = {}) {
  const metrics = createMetrics()
  const p = createIngestPipeline({
    prisma: database.prisma,
    metrics,
    logger: testLogger(),
    rateCard: parseRateCard(undefined),
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...options,
  })
  t.teardown(() => p.close())
  return { pipeline: p, metrics }
}

async function batchSizes(metrics: ReturnType<typeof createMetrics>): Promise<{ count: number; sum: number }> {
  const { values } = await metrics.ingestBatchSize.get()
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0
  return { count: pick('_count'), sum: pick('_sum') }
}

t.test('events are written in batches, and close() drains what is still queued', async (t) => {
  const ref = await createOwnedNumber(db.prisma)
  const { pipeline: p, metrics } = memoryPipeline(t, db, { batchSize: 50, flushIntervalMs: 200 })
  t.equal(p.mode, 'memory')
  await p.start()
  const work = workload(ref, 30, 20)
  for (const event of work.events) p.publish(event)
  await p.close()

  await expectWrittenOnce(t, db.prisma, ref, work, 1)
  const { count, sum } = await batchSizes(metrics)
  t.equal(sum, work.events.length, 'every event went through a batch')
  t.ok(count >= work.events.length / 50 && count < work.events.length / 10, `${count} batches of at most 50 events`)
  t.equal(await metricValue(metrics.ingestQueueDepth, { place: 'memory' }), 0, 'nothing left in memory')
})

t.test('a trickle of events is written within the flush interval, without waiting for a full batch', async (t) => {
  const ref = await createOwnedNumber(db.prisma)
  const { pipeline: p } = memoryPipeline(t, db, { batchSize: 500, flushIntervalMs: 100 })
  await p.start()
  const work = workload(ref, 2, 1)
  for (const event of work.events) p.publish(event)
  await expectWrittenOnce(t, db.prisma, ref, work)
})

t.test('a database failure, then recovery: nothing is lost, nothing written twice', async (t) => {
  const ref = await createOwnedNumber(db.prisma)
  const { pipeline: p, metrics } = memoryPipeline(t, db, { batchSize: 100, flushIntervalMs: 50 })
  await p.start()
  await cutDatabase(databaseName)
  let restored = false
  t.teardown(() => (restored ? undefined : restoreDatabase(databaseName)))
  const work = workload(ref, 20, 10)
  for (const event of work.events) p.publish(event)
  await eventually('writes failing', async () => (await metricValue(metrics.ingestWriteFailures)) >= 2)

  await restoreDatabase(databaseName)
  restored = true
  await expectWrittenOnce(t, db.prisma, ref, work)
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 0)
})

t.test('when the buffer is full the oldest events are dropped, counted and the newest kept', async (t) => {
  const ref = await createOwnedNumber(db.prisma)
  const { pipeline: p, metrics } = memoryPipeline(t, db, { bufferLimit: 10 })
  const old = workload(ref, 1, 0) // 5 events, published first: dropped
  const recent = workload(ref, 2, 0) // 10 events: kept
  // Not started yet: nothing consumes, the buffer only fills.
  for (const event of [...old.events, ...recent.events]) p.publish(event)
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 5)
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'enqueued' }), 15)

  await p.start()
  await expectWrittenOnce(t, db.prisma, ref, recent)
  t.equal(await db.prisma.callLog.count({ where: { twilioCallSid: old.callSids[0]! } }), 0, 'the oldest call is gone')
})

t.test('publish() never throws, even after close; late events are counted as dropped', async (t) => {
  const ref = await createOwnedNumber(db.prisma)
  const { pipeline: p, metrics } = memoryPipeline(t, db)
  await p.start()
  await p.close()
  t.doesNotThrow(() => p.publish(workload(ref, 1, 0).events[0]!))
  t.equal(await metricValue(metrics.ingestEvents, { stage: 'dropped' }), 1)
})

t.test('the embedded database (PGlite) takes the same pipeline', async (t) => {
  const pglite = await migratedDatabase(t, 'pglite')
  const ref = await createOwnedNumber(pglite.prisma)
  const { pipeline: p } = memoryPipeline(t, pglite, { flushIntervalMs: 50 })
  await p.start()
  const work = workload(ref, 10, 5)
  for (const event of work.events) p.publish(event)
  await p.close()
  await expectWrittenOnce(t, pglite.prisma, ref, work, 1)
})
