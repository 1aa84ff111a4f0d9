import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Test } from 'tap'

/** The shared Redis of the build machines (TEST_REDIS_URL points elsewhere). */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * A key prefix no other test file (or run) uses, for REDIS_KEY_PREFIX: test files run in
 * parallel against one Redis. Every key under it is deleted when the test ends.
 */
export function testKeyPrefix(t: Pick<Test, 'teardown'>): string {
  const prefix = `did-edge-test:${randomBytes(5).toString('hex')}:`
  t.teardown(async () => {
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
    try {
      await redis.connect()
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
    } catch {
      // The shared server being away (a test may have stopped its own) is not this test's failure.
    } finally {
      redis.disconnect()
    }
  })
  return prefix
}
