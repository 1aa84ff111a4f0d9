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
export const WEBHOOK_OUTCOMES = [
  'routed',
  'last_known_good',
  'unknown_number',
  'safe_default',
  'accepted',
  'forbidden',
  'error',
] as const
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number]

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

  // Resolving a labelled child hashes its labels; these run on every webhook, so each
  // (endpoint, outcome) pair is resolved once. Every endpoint's request counters are created at
  // zero when its route is added, so rate() and alerts on a rare outcome ("error") work from the
  // first scrape instead of from its first occurrence.
  const series = new Map<string, { requests: { inc(): void }; duration: { observe(seconds: number): void } }>()
  const seriesOf = (endpoint: string, outcome: WebhookOutcome) => {
    const key = `${endpoint}|${outcome}`
    let found = series.get(key)
    if (found === undefined) {
      found = { requests: metrics.webhookRequests.labels(endpoint, outcome), duration: metrics.webhookDuration.labels(endpoint, outcome) }
      series.set(key, found)
    }
    return found
  }
  app.addHook('onRoute', (route) => {
    const endpoint = (route.config as { endpoint?: string } | undefined)?.endpoint
    if (endpoint === undefined) return
    for (const outcome of WEBHOOK_OUTCOMES) metrics.webhookRequests.labels(endpoint, outcome).inc(0)
    metrics.signatureFailures.labels(endpoint).inc(0)
  })

  // Callback-style hooks: an async hook costs a promise and a microtask turn per request.
  app.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const signature = request.headers['x-twilio-signature']
    const params = (request.body ?? {}) as Record<string, string | string[] | undefined>
    if (validator.isValid(request.url, params, typeof signature === 'string' ? signature : undefined)) return done()
    request.webhookOutcome = 'forbidden'
    metrics.signatureFailures.labels(request.routeOptions.config.endpoint ?? 'unknown').inc()
    // Nothing from the body is logged: an unsigned request is not Twilio's, and may be anyone's.
    reply.code(403).type('text/plain; charset=utf-8').send('invalid Twilio signature')
  })

  app.addHook('onResponse', (request, reply, done) => {
    const { requests, duration } = seriesOf(request.routeOptions.config.endpoint ?? 'unknown', request.webhookOutcome)
    requests.inc()
    duration.observe(reply.elapsedTime / 1000)
    done()
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
