import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { closeMetricsServer, createMetrics, type Metrics, serveMetrics } from '../metrics/metrics.js'
import { instrumentApiAnswers, UNMATCHED_ROUTE } from './api-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
    /**
     * Serves /metrics on its own listener (METRICS_PORT) instead of the main port, whose
     * /metrics answers 404 from then on. Resolves with the listener's address; it closes with
     * the app.
     */
    listenMetrics(port: number, host: string): Promise<string>
  }
}

/**
 * The app's Prometheus registry, exported at GET /metrics (or on its own port, see
 * listenMetrics). Registered first, so every later part (database pool, Twilio client, ingest,
 * webhooks) reports through `app.metrics`.
 */
async function metricsPlugin(app: FastifyInstance) {
  const metrics = createMetrics()
  app.decorate('metrics', metrics)

  let ownListener: Server | undefined
  app.get('/metrics', async (_request, reply) => {
    if (ownListener !== undefined) return reply.callNotFound()
    const body = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(body)
  })

  app.decorate('listenMetrics', async (port: number, host: string) => {
    if (ownListener !== undefined) throw new Error('metrics are already served on their own port')
    ownListener = await serveMetrics(metrics.registry, port, host)
    const address = ownListener.address()
    if (address === null || typeof address === 'string') return String(address)
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  })
  app.addHook('onClose', async () => {
    if (ownListener !== undefined) await closeMetricsServer(ownListener)
  })

  // A path under /api/ that no route serves is answered by this (root) scope's not-found
  // handler, so only a root hook sees it; the API's own routes are counted in its scope
  // (plugins/api-metrics.ts).
  instrumentApiAnswers(app, metrics, (request) =>
    request.is404 && /^\/api(\/|\?|$)/.test(request.url) ? UNMATCHED_ROUTE : undefined,
  )
}

export default fp(metricsPlugin, { name: 'did-edge-metrics', fastify: '5.x' })
