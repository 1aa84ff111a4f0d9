import type { FastifyServerOptions } from 'fastify'
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
