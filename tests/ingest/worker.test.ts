// `npm run worker` as an operator runs it: its own process, configured by the environment.
import t from 'tap'
import type { Test } from 'tap'
import { encodeEvent } from '../../src/ingest/event-codec.js'
import { createTestDatabase } from '../helpers/database.js'
import { spawnScript } from '../helpers/server-process.js'
import { SHARED_REDIS_URL, testClient, testKeyPrefix } from './redis-support.js'
import { createOwnedNumber, eventually, expectWrittenOnce, workload } from './support.js'

const spawnWorker = (t: Test, env: Record<string, string>) => spawnScript(t, 'src/worker.ts', env)

t.test('the worker writes what the stream holds, and exits 0 on SIGTERM after leaving the group', async (t) => {
  const { db, url } = await createTestDatabase(t, { migrate: true })
  const keyPrefix = testKeyPrefix(t)
  const stream = `${keyPrefix}ingest:events`
  const worker = spawnWorker(t, { DATABASE_URL: url, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'info' })
  await eventually('the worker started', () => worker.output().includes('did-edge worker consuming the ingest stream') || (worker.child.exitCode !== null && Promise.reject(new Error(worker.output()))), 30_000)

  const redis = testClient(t)
  const ref = await createOwnedNumber(db.prisma)
  const work = workload(ref, 12, 6)
  for (const event of work.events) await redis.xadd(stream, '*', 'e', encodeEvent(event))
  await expectWrittenOnce(t, db.prisma, ref, work)
  await eventually('the stream emptied', async () => (await redis.xlen(stream)) === 0)

  worker.child.kill('SIGTERM')
  t.equal(await worker.exited, 0, 'exit code 0')
  t.match(worker.output(), /shutdown complete/)
  t.same(await redis.xinfo('CONSUMERS', stream, 'ingest'), [], 'the worker left the consumer group')
})

t.test('the worker refuses to start without REDIS_URL, in one line', async (t) => {
  const worker = spawnWorker(t, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' })
  t.equal(await worker.exited, 1)
  t.equal(worker.output(), 'did-edge worker: REDIS_URL is required: the worker consumes the Redis event stream\n')
})
