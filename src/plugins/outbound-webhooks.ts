import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { DeliveryWorker } from '../outbound/delivery-worker.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The outbound webhook delivery worker of this instance (see src/outbound/). */
    outboundWebhooks: { worker: DeliveryWorker; nodeEnv: AppConfig['nodeEnv'] }
  }
}

/**
 * Delivers queued outbound webhooks (see src/events/domain-events.ts). Every instance runs a
 * worker: an idle one costs one small query a second, and the queue is shared through the
 * database (FOR UPDATE SKIP LOCKED), so instances never send a delivery twice. The worker
 * starts when the app is ready and stops first on close (before the database closes): polling
 * ends at once, sends in flight get a short grace.
 */
async function outboundWebhooksPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const worker = new DeliveryWorker({ prisma: app.db.prisma, logger: app.log, nodeEnv: opts.config.nodeEnv, metrics: app.metrics })
  app.decorate('outboundWebhooks', { worker, nodeEnv: opts.config.nodeEnv })
  app.addHook('onReady', async () => {
    worker.start()
  })
  app.addHook('onClose', async () => {
    await worker.stop()
  })
}

export default fp(outboundWebhooksPlugin, { name: 'did-edge-outbound-webhooks', fastify: '5.x', dependencies: ['did-edge-database'] })
