// Keys no number has, and a read Postgres refuses for one number: neither is an outage.
import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import {
  createForwardingNumber,
  createUser,
  entries,
  forwardsTo,
  layerLookups,
  lookups,
  randomPrefix,
  sharedRedis,
  startCache,
} from './helpers.js'

const { db } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const redis = await sharedRedis(t)
const user = await createUser(prisma)

t.test('a key that cannot be an E.164 number is unknown without asking Redis or Postgres, and is not held', async (t) => {
  const { cache, metrics } = await startCache(t, { prisma, redis, keyPrefix: randomPrefix(t) })
  const keys = ['+1415\u00005550100', '+1415555\uD8000100', 'client:alice', 'sip:alice@example.com', 'anonymous', '', '+04155550100', '14155550100', `+1${'5'.repeat(15)}`]
  for (const key of keys) t.equal(await cache.load(key), null, JSON.stringify(key))
  t.equal(await layerLookups(metrics, 'redis'), 0, 'Redis was not asked')
  t.equal(await layerLookups(metrics, 'database'), 0, 'Postgres was not asked')
  t.equal(await entries(metrics, 'negative'), 0, 'no negative entries pile up')
  t.equal(cache.peek(keys[0]!).kind, 'miss')
})

t.test('a read Postgres refuses for one number fails that number alone; the next number loads at once', async (t) => {
  const poisoned = await createForwardingNumber(prisma, user.id, '+14155550111')
  const healthy = await createForwardingNumber(prisma, user.id, '+14155550122')
  // The numbers table behind a view that raises a data exception (22012) for one row only: what
  // Postgres does when a read's own values are wrong, for a number the cache may well be asked about.
  await prisma.$executeRawUnsafe('ALTER TABLE numbers RENAME TO numbers_stored')
  await prisma.$executeRawUnsafe(`CREATE VIEW numbers AS SELECT * FROM numbers_stored
    WHERE CASE WHEN phone_number = '${poisoned.phoneNumber}' THEN 1 / (length(phone_number) - length(phone_number)) = 1 ELSE true END`)
  t.teardown(async () => {
    await prisma.$executeRawUnsafe('DROP VIEW numbers')
    await prisma.$executeRawUnsafe('ALTER TABLE numbers_stored RENAME TO numbers')
  })

  const { cache, metrics, log } = await startCache(t, { prisma, redis, keyPrefix: randomPrefix(t) })
  await t.rejects(cache.load(poisoned.phoneNumber), 'the refused read rejects: that number gets the safe default')
  t.equal(forwardsTo(await cache.load(healthy.phoneNumber)), '+14155550122', 'another uncached number is read from Postgres right after')
  t.equal(await lookups(metrics, 'database', 'error'), 1, 'one database error, counted')
  t.equal(await lookups(metrics, 'database', 'hit'), 1)
  t.notOk(log.lines.some((l) => /database read failed/.test(l.msg)), 'not logged as an outage')
  t.ok(log.lines.some((l) => /refused a read/.test(l.msg)), 'logged as a refused read')
})
