import { timingSafeEqual } from 'node:crypto'
import type { Server } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bearerToken } from '../auth/api-keys.js'
import { hashToken } from '../auth/one-time-tokens.js'
import type { AppConfig } from '../config.js'
import { unauthorized } from '../errors.js'
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
 * Whether a request may read /metrics on the main port, which the public reaches: with
 * METRICS_TOKEN only with that bearer token (compared in constant time: both sides are hashed
 * to the same length first); without it, never in production (metrics name routes, volumes and
 * internals an outsider has no business seeing), always elsewhere.
 */
function mainPortAccess(config: AppConfig): (request: FastifyRequest) => 'allowed' | 'unauthorized' | 'hidden' {
  if (config.metricsToken === undefined) return () => (config.nodeEnv === 'production' ? 'hidden' : 'allowed')
  const expected = Buffer.from(hashToken(config.metricsToken))
  return (request) => {
    const given = bearerToken(request.headers.authorization)
    return given !== undefined && timingSafeEqual(Buffer.from(hashToken(given)), expected) ? 'allowed' : 'unauthorized'
  }
}

/**
 * The app's Prometheus registry, exported at GET /metrics (or on its own port, see
 * listenMetrics). Registered first, so every later part (database pool, Twilio client, ingest,
 * webhooks) reports through `app.metrics`.
 */
async function metricsPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const metrics = createMetrics()
  app.decorate('metrics', metrics)
  const access = mainPortAccess(opts.config)
  const { nodeEnv, metricsPort, metricsToken } = opts.config
  if (nodeEnv === 'production' && metricsPort === undefined && metricsToken === undefined) {
    app.log.warn('metrics are not served: set METRICS_PORT (a port only Prometheus reaches) or METRICS_TOKEN')
  }

  let ownListener: Server | undefined
  app.get('/metrics', async (request, reply) => {
    if (ownListener !== undefined) return reply.callNotFound()
    const verdict = access(request)
    if (verdict === 'hidden') return reply.callNotFound()
    if (verdict === 'unauthorized') {
      reply.header('www-authenticate', 'Bearer realm="metrics"')
      throw unauthorized('/metrics needs Authorization: Bearer <METRICS_TOKEN>')
    }
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
