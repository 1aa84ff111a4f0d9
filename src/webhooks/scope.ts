import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { safeDefaultTwiml } from '../../routing/index.js'
import type { RoutingCache } from '../config-cache/routing-cache.js'
import type { EventSink } from '../ingest/events.js'
import type { Metrics } from '../metrics/metrics.js'
import type { SignatureValidator } from './signature.js'
import smsRoutes from './sms-routes.js'
import voiceRoutes from './voice-routes.js'

export interface WebhookDeps {
  cache: RoutingCache
  sink: EventSink
  metrics: Metrics
  validator: SignatureValidator
}

/** Bounded label vocabularies: endpoint ids come from route config, outcomes from handlers. */
export type WebhookOutcome =
  | 'routed'
  | 'last_known_good'
  | 'unknown_number'
  | 'safe_default'
  | 'accepted'
  | 'forbidden'
  | 'error'

declare module 'fastify' {
  interface FastifyRequest {
    webhookOutcome: WebhookOutcome
  }
  interface FastifyContextConfig {
    /** Metrics label of a Twilio endpoint. */
    endpoint?: string
    /** Which safe default an error on this endpoint answers. */
    channel?: 'voice' | 'sms'
  }
}

export const XML = 'text/xml; charset=utf-8'

/**
 * The Twilio scope, mounted at /twilio. Only here: the form parser, the signature check and an
 * error handler that answers TwiML. A signed request always gets valid TwiML (or 204 for a
 * status callback); the one non-2xx answer is 403 for a missing or wrong signature.
 */
export default async function twilioScope(app: FastifyInstance, deps: WebhookDeps) {
  const { metrics, validator } = deps
  await app.register(formbody)
  app.decorateRequest('webhookOutcome', 'error')

  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const signature = request.headers['x-twilio-signature']
    const params = (request.body ?? {}) as Record<string, string | string[] | undefined>
    if (validator.isValid(request.url, params, typeof signature === 'string' ? signature : undefined)) return
    request.webhookOutcome = 'forbidden'
    metrics.signatureFailures.labels(request.routeOptions.config.endpoint ?? 'unknown').inc()
    // Nothing from the body is logged: an unsigned request is not Twilio's, and may be anyone's.
    return reply.code(403).type('text/plain; charset=utf-8').send('invalid Twilio signature')
  })

  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.config.endpoint ?? 'unknown'
    const outcome = request.webhookOutcome
    metrics.webhookRequests.labels(endpoint, outcome).inc()
    metrics.webhookDuration.labels(endpoint, outcome).observe(reply.elapsedTime / 1000)
  })

  // Anything unexpected (a parser error, a bug) still answers valid TwiML: Twilio would
  // otherwise play its generic error to the caller or drop the message.
  app.setErrorHandler(async (error, request, reply) => {
    const channel = request.routeOptions.config.channel ?? 'voice'
    const endpoint = request.routeOptions.config.endpoint ?? 'unknown'
    request.log.error({ err: error, endpoint }, 'webhook failed; answering the safe default')
    request.webhookOutcome = 'error'
    metrics.safeDefaults.labels(endpoint, 'error').inc()
    return reply.code(200).type(XML).send(safeDefaultTwiml(channel))
  })

  // Only the dependencies travel on: the scope's own options also carry its prefix.
  const routeDeps: WebhookDeps = { cache: deps.cache, sink: deps.sink, metrics, validator }
  await app.register(voiceRoutes, routeDeps)
  await app.register(smsRoutes, routeDeps)
}
