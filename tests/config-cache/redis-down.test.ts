// Redis goes away and comes back: a redis-server of this test's own on a spare port, killed and
// restarted (without persistence, as on the build machines: it comes back empty).
import { Redis } from 'ioredis'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import {
  createForwardingNumber,
  createUser,
  forwardsTo,
  freePort,
  lookups,
  poll,
  randomPrefix,
  setDestination,
  sharedRedis,
  SpareRedis,
  startCache,
} from './helpers.js'

const { db } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const user = await createUser(prisma)

t.test('with Redis down loads fall through to Postgres and entries keep serving; once it is back, invalidations flow again and stale entries are refreshed', async (t) => {
  const server = new SpareRedis(await freePort())
  t.teardown(() => server.stop())
  await server.start()
  const keyPrefix = randomPrefix(t)
  const redisA = await sharedRedis(t, server.url)
  const redisB = await sharedRedis(t, server.url)
  const a = await startCache(t, { prisma, redis: redisA, redisUrl: server.url, keyPrefix })
  const b = await startCache(t, { prisma, redis: redisB, redisUrl: server.url, keyPrefix })

  const changed = await createForwardingNumber(prisma, user.id, '+14155550150')
  const untouched = await createForwardingNumber(prisma, user.id, '+14155550151')
  const missedByAll = await createForwardingNumber(prisma, user.id, '+14155550152')
  for (const n of [changed, untouched, missedByAll]) {
    await a.cache.load(n.phoneNumber)
    await b.cache.load(n.phoneNumber)
  }

  await server.stop()
  await poll(() => [redisA.status, redisB.status], (s) => s.every((status) => status !== 'ready'), 5_000)
  t.not(redisA.status, 'ready', 'the shared connections noticed')

  // Loads fall through to Postgres.
  const fresh = await createForwardingNumber(prisma, user.id, '+14155550153')
  t.equal(forwardsTo(await a.cache.load(fresh.phoneNumber)), '+14155550153')
  t.ok((await lookups(a.metrics, 'redis', 'error')) >= 1, 'the Redis failure is counted')
  t.equal(await lookups(a.metrics, 'database', 'hit'), 4)
  // Entries keep serving.
  for (const n of [changed, untouched, missedByAll]) {
    t.equal(b.cache.peek(n.phoneNumber).kind, 'hit', `B still serves ${n.phoneNumber}`)
  }

  // A change through A while Redis is away: A routes it at once, B cannot hear about it yet.
  await setDestination(prisma, changed.configuration.id, '+14155550160')
  await a.cache.invalidate([changed.phoneNumber])
  const onA = a.cache.peek(changed.phoneNumber)
  t.equal(onA.kind === 'hit' && forwardsTo(onA.entry), '+14155550160')
  t.equal(forwardsTo(b.cache.lastKnownGood(changed.phoneNumber)), '+14155550150')
  // A change nobody invalidates: only "everything is stale after a reconnect" can bring it to B.
  await setDestination(prisma, missedByAll.configuration.id, '+14155550162')

  await server.start()
  const probe = new Redis(server.url, { maxRetriesPerRequest: 1 })
  t.teardown(() => probe.disconnect())
  const subscribers = await poll(
    async () => ((await probe.pubsub('NUMSUB', `${keyPrefix}config:invalidate`)) as [string, number])[1],
    (count) => count === 2,
    10_000,
  )
  t.equal(subscribers, 2, 'both subscribers are back')

  const refreshed = await poll(
    () => [changed, missedByAll].map((n) => forwardsTo(b.cache.lastKnownGood(n.phoneNumber))),
    (d) => d[0] === '+14155550160' && d[1] === '+14155550162',
    5_000,
  )
  t.same(refreshed, ['+14155550160', '+14155550162'], 'B refreshed what it held after resubscribing')
  t.equal(forwardsTo(b.cache.lastKnownGood(untouched.phoneNumber)), '+14155550151')

  // Invalidations flow again.
  await setDestination(prisma, untouched.configuration.id, '+14155550161')
  await a.cache.invalidate([untouched.phoneNumber])
  const seen = await poll(
    () => b.cache.peek(untouched.phoneNumber),
    (l) => l.kind === 'hit' && forwardsTo(l.entry) === '+14155550161',
    1_000,
  )
  t.equal(seen.kind === 'hit' && forwardsTo(seen.entry), '+14155550161', 'B sees a change through A within 1 s')
  t.ok(a.log.lines.some((l) => /subscribed to invalidations/.test(l.msg)))
})

t.test('a cache whose Redis is down from the start still starts and loads from Postgres', async (t) => {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await redis.connect().catch(() => {})
  const { cache, metrics } = await startCache(t, { prisma, redis, redisUrl: url, keyPrefix: randomPrefix(t) })
  const n = await createForwardingNumber(prisma, user.id, '+14155550170')
  t.equal(forwardsTo(await cache.load(n.phoneNumber)), '+14155550170')
  t.equal(await lookups(metrics, 'redis', 'error'), 1)
  await t.resolves(cache.invalidate([n.phoneNumber]), 'invalidating does not fail either')
})
