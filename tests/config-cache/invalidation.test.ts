// Two cache instances ("two app instances") sharing Postgres and Redis: a change made through
// one is seen by the other within a second, without the other waiting on anything.
import t, { type Test } from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import {
  createForwardingNumber,
  createUser,
  entries,
  forwardsTo,
  layerLookups,
  lookups,
  poll,
  randomPrefix,
  REDIS_URL,
  setDestination,
  sharedRedis,
  startCache,
} from './helpers.js'

const { db } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const user = await createUser(prisma)

async function twoInstances(t: Test) {
  const keyPrefix = randomPrefix(t)
  const a = await startCache(t, { prisma, redis: await sharedRedis(t), redisUrl: REDIS_URL, keyPrefix })
  const b = await startCache(t, { prisma, redis: await sharedRedis(t), redisUrl: REDIS_URL, keyPrefix })
  return { a, b, keyPrefix }
}

t.test('a configuration change made through instance A is visible via B.peek within 1 s', async (t) => {
  const { a, b } = await twoInstances(t)
  const { phoneNumber: e164, configuration } = await createForwardingNumber(prisma, user.id, '+14155550140')
  await a.cache.load(e164)
  const before = await b.cache.load(e164)
  t.equal(forwardsTo(before), '+14155550140')

  await setDestination(prisma, configuration.id, '+14155550141')
  await a.cache.invalidate([e164])
  const onA = a.cache.peek(e164)
  t.equal(onA.kind === 'hit' && forwardsTo(onA.entry), '+14155550141', 'A routes the change as soon as invalidate resolves')

  const seen = await poll(() => b.cache.peek(e164), (l) => l.kind === 'hit' && l.entry !== before, 1_000)
  t.equal(seen.kind === 'hit' && forwardsTo(seen.entry), '+14155550141', 'B swapped in the new configuration within 1 s')
  t.equal(await lookups(a.metrics, 'database', 'hit'), 2, 'A read the change from Postgres')
  t.equal(await layerLookups(b.metrics, 'database'), 0, 'B never asked Postgres: it read Redis, where A had put the change')
  t.equal(await lookups(b.metrics, 'redis', 'hit'), 2)
  // Counted per number, where it came from.
  const invalidations = async (m: typeof a.metrics, origin: string) =>
    (await m.cacheInvalidations.get()).values.find((v) => v.labels.origin === origin)?.value ?? 0
  t.equal(await invalidations(a.metrics, 'local'), 1)
  t.equal(await invalidations(b.metrics, 'remote'), 1)
  t.equal(await invalidations(a.metrics, 'remote'), 0, 'an instance ignores its own message')
})

t.test('while B refreshes after an invalidation it keeps answering from memory', async (t) => {
  const { a, b } = await twoInstances(t)
  const { phoneNumber: e164, configuration } = await createForwardingNumber(prisma, user.id, '+14155550142')
  const before = await b.cache.load(e164)
  await setDestination(prisma, configuration.id, '+14155550143')
  await a.cache.invalidate([e164])
  // Every peek until the swap is a hit: never a miss that would make a webhook wait.
  const kinds = new Set<string>()
  const seen = await poll(
    () => {
      const lookup = b.cache.peek(e164)
      kinds.add(lookup.kind)
      return lookup
    },
    (l) => l.kind === 'hit' && l.entry !== before,
    1_000,
  )
  t.same([...kinds], ['hit'])
  t.equal(seen.kind === 'hit' && forwardsTo(seen.entry), '+14155550143')
})

t.test('a number released through A becomes a negative entry on B', async (t) => {
  const { a, b } = await twoInstances(t)
  const { phoneNumber: e164, number } = await createForwardingNumber(prisma, user.id, '+14155550144')
  await b.cache.load(e164)
  await prisma.number.update({ where: { id: number.id }, data: { status: 'RELEASED', releasedAt: new Date() } })
  await a.cache.invalidate([e164])
  const seen = await poll(() => b.cache.peek(e164), (l) => l.kind === 'unknown', 1_000)
  t.same(seen, { kind: 'unknown' })
  t.equal(b.cache.lastKnownGood(e164), null)
  t.equal(await entries(b.metrics, 'negative'), 1)
  t.equal(await entries(b.metrics, 'compiled'), 0)
})

t.test('an owner time zone change invalidates every number of that owner in one call', async (t) => {
  const { a, b } = await twoInstances(t)
  const owner = await createUser(prisma, 'America/New_York')
  const first = await createForwardingNumber(prisma, owner.id, '+14155550145')
  const second = await createForwardingNumber(prisma, owner.id, '+14155550146')
  const before = [await b.cache.load(first.phoneNumber), await b.cache.load(second.phoneNumber)]
  t.same(before.map((e) => e?.compiled.ownerTimezone), ['America/New_York', 'America/New_York'])

  await prisma.user.update({ where: { id: owner.id }, data: { timezone: 'Europe/Paris' } })
  await a.cache.invalidate([first.phoneNumber, second.phoneNumber])
  const zones = await poll(
    () => [first.phoneNumber, second.phoneNumber].map((n) => b.cache.lastKnownGood(n)?.compiled.ownerTimezone),
    (z) => z.every((zone) => zone === 'Europe/Paris'),
    1_000,
  )
  t.same(zones, ['Europe/Paris', 'Europe/Paris'])
})
