import formbody from '@fastify/formbody'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { safeDefaultTwiml } from '../../routing/index.js'
import type { RoutingCache } from '../config-cache/routing-cache.js'
import type { EventSink } from '../ingest/events.js'
import type { Metrics } from '../metrics/metrics.js'
import { jsonParams, NO_PARAMS, type TwilioParams } from './form.js'
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
    /** Set once the signature check passed: only such a request may be answered the safe default. */
    webhookVerified: boolean
  }
  interface FastifyContextConfig {
    /** Metrics label of a Twilio endpoint. */
    endpoint?: string
    /** Which safe default an error on this endpoint answers. */
    channel?: 'voice' | 'sms'
    /** A status callback: Twilio wants no TwiML, so even an error answers 204. */
    statusCallback?: boolean
  }
}

export const XML = 'text/xml; charset=utf-8'

/** Why a body could not be read, in an operator's words (Fastify's body-parsing error codes). */
function unreadableBody(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body too large'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'content type Twilio does not send'
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'body length does not match Content-Length'
    default:
      return 'body could not be read'
  }
}

/**
 * The Twilio scope, mounted at /twilio. Only here: the body parsers, the signature check and an
 * error handler that answers TwiML. A signed request always gets valid TwiML (or 204 for a
 * status callback); the one non-2xx answer is 403, for anything that cannot be verified as
 * Twilio's: a missing or wrong signature, and a body that cannot be read (malformed, too large,
 * or of a type Twilio does not send), since such a request never reaches the check.
 */
export default async function twilioScope(app: FastifyInstance, deps: WebhookDeps) {
  const { metrics, validator } = deps
  // The scope owns every content type: form bodies (what Twilio sends) and JSON bodies, kept as
  // raw bytes because their signature covers the body's hash (bodySHA256), not its fields.
  // Any other type has no parser here, so it fails before the check and is refused below.
  app.removeAllContentTypeParsers()
  await app.register(formbody)
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.decorateRequest('webhookOutcome', 'error')
  app.decorateRequest('webhookVerified', false)

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

  /**
   * The one refusal. Nothing from the body is logged, nor a stack: an unverified request is not
   * Twilio's, may be anyone's, and is no fault of did-edge. A body left unread is not drained.
   */
  function refuse(request: FastifyRequest, reply: FastifyReply, reason: string, code?: string) {
    const endpoint = request.routeOptions.config.endpoint ?? 'unknown'
    request.webhookOutcome = 'forbidden'
    metrics.signatureFailures.labels(endpoint).inc()
    request.log.warn({ endpoint, reason, ...(code !== undefined && { code }) }, 'webhook refused: not verifiably from Twilio')
    if (code !== undefined) reply.header('connection', 'close')
    return reply.code(403).type('text/plain; charset=utf-8').send('invalid Twilio signature')
  }

  // Callback-style hooks: an async hook costs a promise and a microtask turn per request.
  app.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const header = request.headers['x-twilio-signature']
    const signature = typeof header === 'string' ? header : undefined
    const body = request.body
    if (body instanceof Uint8Array) {
      if (!validator.isValidWithBody(request.url, body, signature)) {
        refuse(request, reply, signature === undefined ? 'no signature' : 'wrong signature or body hash')
        return
      }
      request.webhookVerified = true
      try {
        request.body = jsonParams(body)
      } catch (err) {
        return done(err as Error)
      }
      return done()
    }
    // No body at all (no content type, nothing sent): signed over the URL alone, like Twilio's
    // parameterless requests; the handlers still get parameters to read.
    const params = (body ?? NO_PARAMS) as TwilioParams
    if (!validator.isValid(request.url, params, signature)) {
      refuse(request, reply, signature === undefined ? 'no signature' : 'wrong signature')
      return
    }
    request.webhookVerified = true
    if (body === undefined) request.body = params
    done()
  })

  app.addHook('onResponse', (request, reply, done) => {
    const { requests, duration } = seriesOf(request.routeOptions.config.endpoint ?? 'unknown', request.webhookOutcome)
    requests.inc()
    duration.observe(reply.elapsedTime / 1000)
    done()
  })

  // Before the check, an error is the body's (unreadable, too large, a type Twilio never sends,
  // a client that timed out): the request cannot be verified, so it is refused like a bad
  // signature. After it, anything unexpected (a bug) still answers valid TwiML, or 204 to a
  // status callback: Twilio would otherwise play its generic error to the caller or drop the message.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (!request.webhookVerified) return refuse(request, reply, unreadableBody(error), error.code ?? 'unknown')
    const { channel = 'voice', endpoint = 'unknown', statusCallback = false } = request.routeOptions.config
    request.log.error({ err: error, endpoint }, 'webhook failed; answering the safe default')
    request.webhookOutcome = 'error'
    metrics.safeDefaults.labels(endpoint, 'error').inc()
    if (statusCallback) return reply.code(204).send()
    return reply.code(200).type(XML).send(safeDefaultTwiml(channel))
  })

  // Only the dependencies travel on: the scope's own options also carry its prefix.
  const routeDeps: WebhookDeps = { cache: deps.cache, sink: deps.sink, metrics, validator }
  await app.register(voiceRoutes, routeDeps)
  await app.register(smsRoutes, routeDeps)
}
