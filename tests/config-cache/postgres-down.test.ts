// Postgres goes away (its database refuses connections and loses the ones it had) and comes back.
import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import {
  createForwardingNumber,
  createUser,
  forwardsTo,
  lookups,
  manualClock,
  phoneNumber,
  poll,
  randomPrefix,
  setDestination,
  sharedRedis,
  startCache,
  stopDatabase,
} from './helpers.js'

const { db, name } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const redis = await sharedRedis(t)
const user = await createUser(prisma)

t.test('with Postgres down cached numbers keep serving, failed refreshes back off, and a never-seen number rejects', async (t) => {
  const keyPrefix = randomPrefix(t)
  const clock = manualClock()
  const { cache, metrics, log } = await startCache(t, { prisma, redis, keyPrefix, now: clock.now })
  const held = await createForwardingNumber(prisma, user.id, '+14155550180')
  const good = await cache.load(held.phoneNumber)

  const restore = await stopDatabase(t, name)
  // Redis loses the entry too, so a refresh has to reach Postgres.
  await redis.del(`${keyPrefix}config:number:${held.phoneNumber}`)

  const peeked = cache.peek(held.phoneNumber)
  t.equal(peeked.kind === 'hit' && peeked.entry, good, 'peek serves the cached number')
  clock.advance(60_001)
  const stale = cache.peek(held.phoneNumber)
  t.equal(stale.kind === 'hit' && stale.entry, good, 'a stale entry is still served; its refresh starts in the background')
  const errors = await poll(() => lookups(metrics, 'database', 'error'), (n) => n >= 1, 5_000)
  t.equal(errors, 1, 'the failed refresh is counted')
  t.ok(log.lines.some((l) => l.level === 'warn' && /refresh failed/.test(l.msg)), 'and logged')
  t.equal(cache.lastKnownGood(held.phoneNumber), good, 'the last known good entry is kept')

  for (let i = 0; i < 100; i += 1) cache.peek(held.phoneNumber)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(await lookups(metrics, 'database', 'error'), 1, 'peeks during the backoff do not ask the database again')

  await t.rejects(cache.load(phoneNumber()), 'a never-seen number, absent from Redis too, rejects')
  t.equal(cache.lastKnownGood(phoneNumber()), null, 'and has no last known good: the webhook answers the safe default')

  // Back: the next due refresh (after the backoff) reads the database again and swaps the change in.
  await restore()
  await setDestination(prisma, held.configuration.id, '+14155550181')
  const recovered = await poll(
    () => {
      clock.advance(30_000)
      return forwardsTo(cache.peek(held.phoneNumber).kind === 'hit' ? cache.lastKnownGood(held.phoneNumber) : null)
    },
    (d) => d === '+14155550181',
    15_000,
  )
  t.equal(recovered, '+14155550181', 'refreshed once Postgres is back')
  t.ok(log.lines.some((l) => /refreshed again/.test(l.msg)))
})

t.test('with Postgres down a number Redis holds is still loaded by an instance that never saw it', async (t) => {
  const keyPrefix = randomPrefix(t)
  const a = await startCache(t, { prisma, redis, keyPrefix })
  const n = await createForwardingNumber(prisma, user.id, '+14155550182')
  await a.cache.load(n.phoneNumber)

  const restore = await stopDatabase(t, name)
  const b = await startCache(t, { prisma, redis, keyPrefix })
  t.equal(forwardsTo(await b.cache.load(n.phoneNumber)), '+14155550182', 'Redis answered')
  t.equal(await lookups(b.metrics, 'database', 'error'), 0)
  await restore()
})
