import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  continueAfterDial,
  continueAfterQueue,
  type Decision,
  evaluate,
  HANGUP_TWIML,
  NO_CONFIGURATION_VOICE_TWIML,
  parseContinuation,
  routeIvrDigit,
  SAFE_DEFAULT_VOICE_TWIML,
  SCREEN_TWIML,
  screenResultTwiml,
  type ContinuationState,
} from '../../routing/index.js'
import type { CachedNumber } from '../config-cache/routing-cache.js'
import { callStarted, callStatus } from './events.js'
import { callInput, param, type TwilioParams } from './form.js'
import { type Resolution, resolveNumber, resolveWithoutWaiting } from './resolve-number.js'
import { type WebhookDeps, XML } from './scope.js'

const voice = (endpoint: string) => ({ config: { endpoint, channel: 'voice' as const } })

/** Voice webhooks: the first answer to a call, and every continuation the engine's TwiML asks for. */
export default async function voiceRoutes(app: FastifyInstance, deps: WebhookDeps) {
  const { cache, sink, metrics } = deps

  /** Counts the decision and says how the number was found; returns the TwiML to send. */
  function answer(request: FastifyRequest, endpoint: string, resolution: Resolution, decide: (entry: CachedNumber) => Decision): { twiml: string; decision: Decision | null } {
    request.webhookOutcome = resolution.outcome
    if (resolution.entry === null) {
      if (resolution.outcome === 'safe_default') metrics.safeDefaults.labels(endpoint, 'unavailable').inc()
      return { twiml: resolution.outcome === 'unknown_number' ? NO_CONFIGURATION_VOICE_TWIML : SAFE_DEFAULT_VOICE_TWIML, decision: null }
    }
    if (resolution.outcome === 'last_known_good') metrics.safeDefaults.labels(endpoint, 'last_known_good').inc()
    const decision = decide(resolution.entry)
    metrics.routingDecisions.labels('voice', decision.action?.type ?? 'none', decision.reason).inc()
    return { twiml: decision.twiml, decision }
  }

  /** A continuation (dial result, IVR digit, queue result) of a call already routed. */
  function continuation(endpoint: string, next: (entry: CachedNumber, state: ContinuationState, params: TwilioParams, at: number) => Decision) {
    app.post(`/voice/${endpoint.replace('_', '-')}`, voice(endpoint), async (request, reply) => {
      const params = request.body as TwilioParams
      const state = parseContinuation(request.query as Record<string, string | undefined>)
      const resolution = await resolveNumber(cache, param(params, 'To'))
      if (state === null) {
        // A continuation URL that is not ours (or from an older format): end the call politely.
        request.webhookOutcome = resolution.outcome
        return reply.type(XML).send(HANGUP_TWIML)
      }
      const at = Date.now()
      const { twiml } = answer(request, endpoint, resolution, (entry) => next(entry, state, params, at))
      return reply.type(XML).send(twiml)
    })
  }

  app.post('/voice', voice('voice'), async (request, reply) => {
    const params = request.body as TwilioParams
    const at = Date.now()
    const resolution = await resolveNumber(cache, param(params, 'To'))
    const { twiml, decision } = answer(request, 'voice', resolution, (entry) => evaluate(entry.compiled, callInput(params, 'voice', at)))
    if (resolution.entry !== null) {
      const event = callStarted(params, at, resolution.entry.number, decision)
      if (event !== null) sink.publish(event)
    }
    return reply.type(XML).send(twiml)
  })

  // Twilio calls the Fallback URL when its request to /voice failed (timeout, error). It must
  // answer at once: from memory or the last known good copy, never waiting on Redis or Postgres.
  app.post('/voice/fallback', voice('fallback'), async (request, reply) => {
    const params = request.body as TwilioParams
    const at = Date.now()
    const resolution = resolveWithoutWaiting(cache, param(params, 'To'))
    const { twiml, decision } = answer(request, 'fallback', resolution, (entry) => evaluate(entry.compiled, callInput(params, 'voice', at)))
    metrics.fallbackRequests.labels(resolution.entry === null ? resolution.outcome : 'last_known_good').inc()
    if (resolution.entry !== null) {
      const event = callStarted(params, at, resolution.entry.number, decision)
      if (event !== null) sink.publish(event)
    }
    return reply.type(XML).send(twiml)
  })

  continuation('dial_result', (entry, state, params, at) => continueAfterDial(entry.compiled, state, param(params, 'DialCallStatus'), at))
  continuation('ivr', (entry, state, params, at) => routeIvrDigit(entry.compiled, state, param(params, 'Digits'), at))
  continuation('queue_result', (entry, state, params, at) => continueAfterQueue(entry.compiled, state, param(params, 'QueueResult'), at))

  // The recording itself is reported by the status callback; the call just ends here.
  app.post('/voice/voicemail-done', voice('voicemail_done'), async (request, reply) => {
    request.webhookOutcome = 'accepted'
    return reply.type(XML).send(HANGUP_TWIML)
  })

  // Call screening: the whisper played to the callee, and what their key press does.
  app.post('/voice/screen', voice('screen'), async (request, reply) => {
    request.webhookOutcome = 'accepted'
    return reply.type(XML).send(SCREEN_TWIML)
  })
  app.post('/voice/screen-result', voice('screen_result'), async (request, reply) => {
    request.webhookOutcome = 'accepted'
    return reply.type(XML).send(screenResultTwiml(param(request.body as TwilioParams, 'Digits')))
  })

  app.post('/voice/status', { config: { endpoint: 'voice_status', channel: 'voice', statusCallback: true } }, async (request, reply) => {
    const params = request.body as TwilioParams
    const at = Date.now()
    // Status callbacks are not on the caller's path: waiting for a load here (rarely: the number
    // is almost always cached by the call's own webhook) keeps the owner on the event.
    const resolution = await resolveNumber(cache, param(params, 'To'))
    const event = callStatus(params, at, resolution.entry?.number ?? null)
    if (event !== null) sink.publish(event)
    request.webhookOutcome = 'accepted'
    return reply.code(204).send()
  })
}
