import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { createIngestPipeline, type IngestPipeline } from '../ingest/pipeline.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Where webhooks hand their events after answering; writes them to Postgres behind the scenes. */
    ingest: IngestPipeline
  }
}

/**
 * The event pipeline: a Redis stream with a consumer group when REDIS_URL is set (consumed
 * from when the server listens), else an in-process queue. Its close (after the server stopped taking requests, since Fastify closes
 * the server first) drains every event the answered webhooks published.
 */
async function ingestPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts
  const pipeline = createIngestPipeline({
    prisma: app.db.prisma,
    metrics: app.metrics,
    logger: app.log,
    rateCard: config.rateCard,
    redis: config.redisUrl === undefined ? undefined : { url: config.redisUrl, keyPrefix: config.redisKeyPrefix },
    consumer: config.ingestConsumer,
  })
  // Publishing starts now; the stream consumer only once the server listens. Joining the group
  // registers a consumer and may claim a dead consumer's entries: a process that then fails to
  // bind (port taken) would leave both behind. `npm run worker` consumes from its start.
  await pipeline.start({ consume: false })
  app.addHook('onListen', async () => {
    pipeline.startConsumer()
  })
  app.decorate('ingest', pipeline)
  app.addHook('onClose', async () => {
    await pipeline.close()
  })
}

export default fp(ingestPlugin, {
  name: 'did-edge-ingest',
  fastify: '5.x',
  dependencies: ['did-edge-database', 'did-edge-metrics'],
})
