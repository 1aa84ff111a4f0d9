import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { RoutingCache } from '../config-cache/routing-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Compiled routing configurations by E.164 number: memory, then Redis, then Postgres. */
    routingCache: RoutingCache
  }
}

async function routingCachePlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const cache = new RoutingCache({
    prisma: app.db.prisma,
    redis: app.redis,
    redisUrl: opts.config.redisUrl,
    keyPrefix: opts.config.redisKeyPrefix,
    metrics: app.metrics,
    log: app.log,
  })
  await cache.start()
  app.decorate('routingCache', cache)
  app.addHook('onClose', async () => {
    await cache.close()
  })
}

export default fp(routingCachePlugin, {
  name: 'did-edge-routing-cache',
  fastify: '5.x',
  dependencies: ['did-edge-database', 'did-edge-redis', 'did-edge-metrics'],
})
