import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type ErrorCode, errorCatalogue } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'

/** The route label of a request no route serves (a 404 from the not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched'

const catalogueCodes = new Set<string>(Object.keys(errorCatalogue))

/**
 * The catalogue code of an error answer, read from its body (every API error is
 * `{ statusCode, code, ... }`). A body without one (not expected) gets the catalogue's code for
 * its status, so the label stays within the catalogue whatever was sent.
 */
function errorCode(payload: unknown, statusCode: number): ErrorCode {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined
  if (text !== undefined) {
    try {
      const code: unknown = (JSON.parse(text) as { code?: unknown } | null)?.code
      if (typeof code === 'string' && catalogueCodes.has(code)) return code as ErrorCode
    } catch {
      // Not JSON: fall through to the status's code.
    }
  }
  const byStatus = (Object.keys(errorCatalogue) as ErrorCode[]).find((c) => errorCatalogue[c] === statusCode)
  return byStatus ?? (statusCode >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST')
}

/**
 * Counts and times the answers of `app`'s routes in did_edge_api_*. `routeOf` names a
 * request's route label, or undefined for a request that is not counted here. The error code is
 * taken in onSend (the body is at hand there) and everything is recorded in onResponse, once the
 * answer has left, whichever hook or handler produced it (a 401 from authentication included).
 */
export function instrumentApiAnswers(
  app: FastifyInstance,
  metrics: Metrics,
  routeOf: (request: FastifyRequest) => string | undefined,
): void {
  const codes = new WeakMap<FastifyRequest, ErrorCode>()
  // Callback-style hooks: the root instance's run on every request, webhooks included, where a
  // promise per hook is measurable.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && routeOf(request) !== undefined) codes.set(request, errorCode(payload, reply.statusCode))
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request)
    if (route !== undefined) {
      const method = request.method
      const status = reply.statusCode
      metrics.apiRequests.inc({ route, method, status_class: `${Math.floor(status / 100)}xx` })
      metrics.apiDuration.observe({ route, method }, reply.elapsedTime / 1000)
      if (status >= 400) metrics.apiErrors.inc({ route, code: codes.get(request) ?? errorCode(undefined, status) })
    }
    done()
  })
}

/**
 * The management API's request metrics, registered in the /api/v1 scope so it sees exactly that
 * scope's routes, labelled by route template (`/api/v1/numbers/:id`), never a concrete path.
 * Paths under /api/ that no route serves are answered by the root not-found handler, outside
 * this scope: plugins/metrics.ts counts those as `unmatched`.
 */
async function apiMetricsPlugin(app: FastifyInstance) {
  instrumentApiAnswers(app, app.metrics, (request) => request.routeOptions.url ?? UNMATCHED_ROUTE)
}

export default fp(apiMetricsPlugin, { name: 'did-edge-api-metrics', fastify: '5.x', dependencies: ['did-edge-metrics'] })
