import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
import type { AppConfig } from './config.js'

/**
 * Paths pino blanks out wherever they appear in a log line. Fastify's request serializer
 * logs no headers or bodies, but handlers and errors may log objects that carry secrets.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.key',
  '*.keyHash',
  '*.secret',
  '*.authToken',
  '*.authTokens',
  'password',
  'token',
  'apiKey',
  'secret',
]

/** Pino options for Fastify: level from config, secrets redacted. */
export function loggerOptions(config: AppConfig): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
  }
}

/**
 * Fastify's per-request lines ("incoming request", "request completed": about 450 bytes a
 * request at info) for everything but a Twilio webhook that was answered. At Twilio's volume
 * those lines say nothing an operator needs that the webhook metrics do not, and cost hundreds
 * of megabytes a day; a webhook's refusals and failures are logged by the Twilio scope itself,
 * and a request that errors still gets Fastify's error line. The API keeps its request logs.
 */
class EdgeLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (isWebhook(request)) return
    super.incomingRequest(request, reply, metadata)
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error == null && isWebhook(request)) return
    super.requestCompleted(error, request, reply, metadata)
  }
}

/** Twilio webhook routes carry their metrics label (`endpoint`) in their route config. */
function isWebhook(request: FastifyRequest): boolean {
  return request.routeOptions.config.endpoint !== undefined
}

/** The log controller of the did-edge server (see EdgeLogController). */
export function logController(): LogController {
  return new EdgeLogController()
}
