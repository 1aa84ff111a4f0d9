import type { FastifyInstance } from 'fastify'
import { evaluate, NO_CONFIGURATION_SMS_TWIML, SAFE_DEFAULT_SMS_TWIML } from '../../routing/index.js'
import { smsReceived, smsStatus } from './events.js'
import { callInput, param, type TwilioParams } from './form.js'
import { resolveNumber } from './resolve-number.js'
import { type WebhookDeps, XML } from './scope.js'

const sms = (endpoint: string) => ({ config: { endpoint, channel: 'sms' as const } })

/** Messaging webhooks: an inbound message, and message status callbacks. */
export default async function smsRoutes(app: FastifyInstance, deps: WebhookDeps) {
  const { cache, sink, metrics } = deps

  app.post('/sms', sms('sms'), async (request, reply) => {
    const params = request.body as TwilioParams
    const at = Date.now()
    const resolution = await resolveNumber(cache, param(params, 'To'))
    request.webhookOutcome = resolution.outcome
    if (resolution.entry === null) {
      if (resolution.outcome === 'safe_default') metrics.safeDefaults.labels('sms', 'unavailable').inc()
      // An empty <Response/> means "no reply": an unknown number's messages are not answered.
      return reply.type(XML).send(resolution.outcome === 'unknown_number' ? NO_CONFIGURATION_SMS_TWIML : SAFE_DEFAULT_SMS_TWIML)
    }
    if (resolution.outcome === 'last_known_good') metrics.safeDefaults.labels('sms', 'last_known_good').inc()
    const decision = evaluate(resolution.entry.compiled, callInput(params, 'sms', at))
    metrics.routingDecisions.labels('sms', decision.action?.type ?? 'none', decision.reason).inc()
    const event = smsReceived(params, at, resolution.entry.number)
    if (event !== null) sink.publish(event)
    return reply.type(XML).send(decision.twiml)
  })

  app.post('/sms/status', { config: { endpoint: 'sms_status', channel: 'sms', statusCallback: true } }, async (request, reply) => {
    const params = request.body as TwilioParams
    const resolution = await resolveNumber(cache, param(params, 'To'))
    const event = smsStatus(params, Date.now(), resolution.entry?.number ?? null)
    if (event !== null) sink.publish(event)
    request.webhookOutcome = 'accepted'
    return reply.code(204).send()
  })
}
