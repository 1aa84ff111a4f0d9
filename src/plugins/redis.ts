import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import type { AppConfig } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared Redis connection, or null when REDIS_URL is not set (single-instance mode). */
    redis: Redis | null
  }
}

/**
 * Connects to Redis when REDIS_URL is set. A Redis that is down at start does not stop
 * did-edge: the client keeps reconnecting, commands fail fast instead of queueing, and
 * /health/ready reports it.
 */
async function redisPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  if (opts.config.redisUrl === undefined) {
    app.decorate('redis', null)
    return
  }
  const redis = new Redis(opts.config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  let lastError = ''
  redis.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each distinct one once.
    if (err.message !== lastError) app.log.warn({ err: err.message }, 'redis connection error')
    lastError = err.message
  })
  redis.on('ready', () => {
    lastError = ''
    app.log.info('redis connected')
  })
  app.decorate('redis', redis)
  app.addHook('onClose', async () => {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
    else redis.disconnect()
  })
  await redis.connect().catch(() => {
    // Reported by the error listener and by readiness; reconnection continues in the background.
  })
}

export default fp(redisPlugin, { name: 'did-edge-redis', fastify: '5.x' })
