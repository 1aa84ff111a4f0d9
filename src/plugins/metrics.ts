import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMetrics, type Metrics } from '../metrics/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** The app's Prometheus registry, exported at GET /metrics. */
async function metricsPlugin(app: FastifyInstance) {
  const metrics = createMetrics()
  app.decorate('metrics', metrics)
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(body)
  })
}

export default fp(metricsPlugin, { name: 'did-edge-metrics', fastify: '5.x' })
