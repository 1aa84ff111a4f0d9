// The three layers of the configuration cache: memory, Redis, Postgres, with real Postgres and
// Redis (one database and one key prefix for this file).
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import t from 'tap'
import { RoutingConfigurationError } from '../../routing/index.js'
import { RedisLayer } from '../../src/config-cache/redis-layer.js'
import { openDatabase } from '../../src/db/database.js'
import { PrismaClient } from '../../src/generated/prisma/client.js'
import { createTestDatabase } from '../helpers/database.js'
import {
  breakConfiguration,
  createForwardingNumber,
  createUser,
  entries,
  forwardsTo,
  layerLookups,
  lookups,
  manualClock,
  phoneNumber,
  poll,
  randomPrefix,
  REDIS_URL,
  setDestination,
  sharedRedis,
  startCache,
} from './helpers.js'

const { db, url } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const redis = await sharedRedis(t)
const user = await createUser(prisma)

t.test('a load from Postgres fills Redis and memory, and another instance then loads from Redis alone', async (t) => {
  const keyPrefix = randomPrefix(t)
  const { phoneNumber: e164, number } = await createForwardingNumber(prisma, user.id, '+14155550123')
  const a = await startCache(t, { prisma, redis, keyPrefix })

  t.same(a.cache.peek(e164), { kind: 'miss' }, 'nothing in memory yet')
  const loaded = await a.cache.load(e164)
  t.equal(forwardsTo(loaded), '+14155550123', 'compiled from the stored configuration')
  t.same(loaded?.number, { numberId: number.id, userId: user.id, countryCode: 'US', numberType: 'LOCAL' })
  t.equal(await lookups(a.metrics, 'redis', 'miss'), 1)
  t.equal(await lookups(a.metrics, 'database', 'hit'), 1)

  const hit = a.cache.peek(e164)
  t.equal(hit.kind, 'hit')
  t.equal(hit.kind === 'hit' && hit.entry, loaded, 'memory holds the loaded entry')
  t.equal(a.cache.peek(e164), hit, 'a fresh hit answers the same object (nothing allocated per call)')
  t.equal(await entries(a.metrics, 'compiled'), 1)

  const stored = JSON.parse((await redis.get(`${keyPrefix}config:number:${e164}`)) ?? 'null')
  t.equal(stored.version, loaded?.version, 'Redis holds the version')
  t.equal(stored.source.number.ownerTimezone, 'America/New_York')
  t.equal(stored.source.number.status, 'ACTIVE')
  t.same(stored.source.configurations[0].callForwarding, { destination: '+14155550123' }, 'JSON columns as stored')
  t.match(stored.source.configurations[0].createdAt, /^\d{4}-\d\d-\d\dT.*Z$/, 'dates as ISO')
  t.notOk('compiled' in stored || 'compiled' in stored.source, 'never a compiled form')
  const ttl = await redis.pttl(`${keyPrefix}config:number:${e164}`)
  t.ok(ttl > 0 && ttl <= 3_600_000, 'the entry expires')

  // Another app instance whose database is unreachable (nothing listens on port 1).
  const deadDb = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => deadDb.close())
  const b = await startCache(t, { prisma: deadDb.prisma, redis, keyPrefix })
  const fromRedis = await b.cache.load(e164)
  t.equal(forwardsTo(fromRedis), '+14155550123', 'compiled from what Redis holds')
  t.equal(fromRedis?.version, loaded?.version)
  t.not(fromRedis?.compiled, loaded?.compiled, 'each instance compiles its own')
  t.equal(await lookups(b.metrics, 'redis', 'hit'), 1)
  t.equal(await layerLookups(b.metrics, 'database'), 0, 'Postgres was never asked')
})

t.test('concurrent loads of one number share one promise and one database read', async (t) => {
  // A Prisma client of its own, on a pool that counts the connections Prisma checks out.
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  let acquired = 0
  pool.on('acquire', () => {
    acquired += 1
  })
  const counted = new PrismaClient({ adapter: new PrismaPg(pool) })
  t.teardown(async () => {
    await counted.$disconnect()
    await pool.end()
  })
  const { cache } = await startCache(t, { prisma: counted, redis, keyPrefix: randomPrefix(t) })

  // One load alone tells how many checkouts a database read takes.
  const single = await createForwardingNumber(prisma, user.id, '+14155550124')
  await cache.load(single.phoneNumber)
  const perRead = acquired
  t.ok(perRead > 0)

  const { phoneNumber: e164 } = await createForwardingNumber(prisma, user.id, '+14155550125')
  acquired = 0
  const promises = Array.from({ length: 10 }, () => cache.load(e164))
  t.ok(promises.every((p) => p === promises[0]), 'every caller gets the same promise')
  const results = await Promise.all(promises)
  t.equal(acquired, perRead, 'the database was read once')
  t.equal(forwardsTo(results[0]), '+14155550125')
})

t.test('an unknown number is negative until its TTL passes', async (t) => {
  const clock = manualClock()
  const { cache, metrics } = await startCache(t, { prisma, redis, keyPrefix: randomPrefix(t), now: clock.now })
  const e164 = phoneNumber()

  t.equal(await cache.load(e164), null)
  t.same(cache.peek(e164), { kind: 'unknown' })
  t.equal(await lookups(metrics, 'database', 'negative'), 1)
  t.equal(await entries(metrics, 'negative'), 1)
  clock.advance(29_000)
  t.same(cache.peek(e164), { kind: 'unknown' }, 'still unknown before the TTL')
  clock.advance(2_000)
  t.same(cache.peek(e164), { kind: 'miss' }, 'asked again after the TTL')
  t.equal(await entries(metrics, 'negative'), 0)
  t.equal(cache.lastKnownGood(e164), null)
})

t.test('a number created through the API is routed at once: its invalidation replaces the negative entry', async (t) => {
  const keyPrefix = randomPrefix(t)
  const a = await startCache(t, { prisma, redis, keyPrefix, redisUrl: REDIS_URL })
  const b = await startCache(t, { prisma, redis: await sharedRedis(t), keyPrefix, redisUrl: REDIS_URL })
  const e164 = phoneNumber()
  t.equal(await a.cache.load(e164), null)
  t.equal(await b.cache.load(e164), null)

  await createForwardingNumber(prisma, user.id, '+14155550126', e164)
  await a.cache.invalidate([e164])
  const onA = a.cache.peek(e164)
  t.equal(onA.kind === 'hit' && forwardsTo(onA.entry), '+14155550126', 'the instance that made the change routes it')

  const onB = await poll(() => b.cache.peek(e164), (l) => l.kind !== 'unknown', 1_000)
  t.not(onB.kind, 'unknown', 'the other instance forgets the negative entry within 1 s')
  t.equal(forwardsTo(await b.cache.load(e164)), '+14155550126')
})

t.test('a stale entry is still served and triggers one background refresh that swaps in the new configuration', async (t) => {
  const keyPrefix = randomPrefix(t)
  const clock = manualClock()
  // A does not subscribe (no redisUrl): it misses the invalidation and relies on its refresh.
  const a = await startCache(t, { prisma, redis, keyPrefix, now: clock.now })
  const b = await startCache(t, { prisma, redis: await sharedRedis(t), keyPrefix })
  const { phoneNumber: e164, configuration } = await createForwardingNumber(prisma, user.id, '+14155550127')
  const old = await a.cache.load(e164)

  await setDestination(prisma, configuration.id, '+14155550128')
  await b.cache.invalidate([e164])
  const first = a.cache.peek(e164)
  t.equal(first.kind === 'hit' && first.entry, old, 'not stale yet: A serves what it has')

  const asked = await layerLookups(a.metrics, 'redis')
  clock.advance(60_001)
  for (let i = 0; i < 100; i += 1) {
    const stale = a.cache.peek(e164)
    if (stale.kind !== 'hit' || stale.entry !== old) {
      t.fail('a stale entry is served while it refreshes')
      break
    }
  }
  const swapped = await poll(() => a.cache.peek(e164), (l) => l.kind === 'hit' && l.entry !== old, 2_000)
  t.equal(swapped.kind === 'hit' && forwardsTo(swapped.entry), '+14155550128', 'the refresh swapped in the new configuration')
  t.equal(await layerLookups(a.metrics, 'redis'), asked + 1, 'a hundred stale peeks made one refresh')
})

t.test('a released number becomes unknown and its compiled entry is dropped', async (t) => {
  const { cache, metrics } = await startCache(t, { prisma, redis, keyPrefix: randomPrefix(t) })
  const { phoneNumber: e164, number } = await createForwardingNumber(prisma, user.id, '+14155550129')
  t.ok(await cache.load(e164))
  await prisma.number.update({ where: { id: number.id }, data: { status: 'RELEASED', releasedAt: new Date() } })
  await cache.invalidate([e164])
  t.same(cache.peek(e164), { kind: 'unknown' })
  t.equal(cache.lastKnownGood(e164), null, 'a released number does not route from memory, even during an outage')
  t.equal(await entries(metrics, 'compiled'), 0)
  t.equal(await entries(metrics, 'negative'), 1)
})

t.test('a stored configuration that does not compile keeps the last good one, or rejects when there is none', async (t) => {
  const keyPrefix = randomPrefix(t)
  const a = await startCache(t, { prisma, redis, keyPrefix })
  const { phoneNumber: e164, configuration } = await createForwardingNumber(prisma, user.id, '+14155550130')
  const good = await a.cache.load(e164)

  await breakConfiguration(prisma, configuration.id)
  await a.cache.invalidate([e164])
  const after = a.cache.peek(e164)
  t.equal(after.kind === 'hit' && after.entry, good, 'the last good compile keeps serving')
  t.equal(a.cache.lastKnownGood(e164), good)
  t.ok(a.log.lines.some((l) => l.level === 'error' && /does not compile/.test(l.msg)), 'logged as an error')
  t.equal(await lookups(a.metrics, 'database', 'error'), 1, 'counted as an error of the layer that answered')

  const fresh = await startCache(t, { prisma, redis, keyPrefix })
  await t.rejects(fresh.cache.load(e164), RoutingConfigurationError, 'nothing good to fall back on: the webhook answers the safe default')
  t.equal(fresh.cache.lastKnownGood(e164), null)
})

t.test('an unreadable Redis entry reads as a miss and is replaced from Postgres', async (t) => {
  const keyPrefix = randomPrefix(t)
  const { cache, metrics } = await startCache(t, { prisma, redis, keyPrefix })
  const { phoneNumber: e164 } = await createForwardingNumber(prisma, user.id, '+14155550131')
  await redis.set(`${keyPrefix}config:number:${e164}`, '{"format":0}')
  t.equal(forwardsTo(await cache.load(e164)), '+14155550131')
  t.equal(await lookups(metrics, 'redis', 'error'), 1)
  const replaced = JSON.parse((await redis.get(`${keyPrefix}config:number:${e164}`)) ?? 'null')
  t.equal(replaced.format, 1)
})

t.test('rows read before an invalidation are not written back to Redis afterwards', async (t) => {
  const keyPrefix = randomPrefix(t)
  const layer = new RedisLayer(redis, keyPrefix, 60_000)
  const e164 = phoneNumber()
  const source = (version: string) => ({
    version,
    source: {
      number: { id: 'n1', phoneNumber: e164, countryCode: 'US', numberType: 'LOCAL', userId: 'u1', ownerTimezone: 'UTC', status: 'ACTIVE' },
      configurations: [],
    },
  })

  const before = await layer.read(e164)
  t.equal(before.entry, null)
  // A change is invalidated while this loader is still reading Postgres.
  await layer.bump([e164])
  t.equal(await layer.writeBack(e164, before.generation, source('old')), false, 'refused: the generation moved on')
  t.equal((await layer.read(e164)).entry, null)

  const after = await layer.read(e164)
  t.equal(await layer.writeBack(e164, after.generation, source('new')), true, 'a loader that started after the change writes back')
  t.equal((await layer.read(e164)).entry?.version, 'new')
  await layer.bump([e164])
  t.equal((await layer.read(e164)).entry, null, 'an invalidation drops the entry')
})
