import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { formatPath } from '../../routing/index.js'
import { AppError, type ErrorBody, type ErrorCode, errorCatalogue } from '../errors.js'

/**
 * A schema issue's path as people write it (`routingRules.timeBasedRules[2].timeTo`). Body
 * paths start at the body's fields; params and query paths say where they are.
 */
function issuePath(context: string | undefined, instancePath: string): string {
  const segments: PropertyKey[] = instancePath
    .split('/')
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
  if (context !== undefined && context !== 'body') segments.unshift(context)
  // An issue with the whole body (or query) has no path of its own: name the part instead.
  return segments.length === 0 ? (context ?? 'body') : formatPath(segments)
}

/** Maps any thrown error to the catalogue: known errors keep their meaning, the rest are 500s. */
function toErrorBody(error: FastifyError | AppError | Error, request: FastifyRequest): ErrorBody {
  const requestId = request.id
  if (error instanceof AppError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, details: error.details, requestId }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      path: issuePath(error.validationContext, issue.instancePath),
      message: issue.message ?? 'is invalid',
    }))
    const first = details[0]
    return {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: first ? `${first.path}: ${first.message}` : 'request validation failed',
      details,
      requestId,
    }
  }
  const fastifyError = error as FastifyError
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode =
      status === 413 ? 'PAYLOAD_TOO_LARGE'
      : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE'
      : status === 404 ? 'NOT_FOUND'
      : status === 401 ? 'UNAUTHORIZED'
      : status === 403 ? 'FORBIDDEN'
      : status === 429 ? 'RATE_LIMITED'
      : 'BAD_REQUEST'
    // Fastify's own 415 says only "Unsupported Media Type"; say what was sent and what is expected.
    const message =
      status === 415 ? `unsupported content-type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json`
      : fastifyError.message
    return { statusCode: status, code, message, requestId }
  }
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error', requestId }
}

async function errorHandlerPlugin(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply: FastifyReply) => {
    const body = toErrorBody(error, request)
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.code, statusCode: body.statusCode }, body.message)
    return reply.code(body.statusCode).send(body)
  })

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: errorCatalogue.NOT_FOUND,
      code: 'NOT_FOUND',
      message: `route ${request.method} ${request.url.split('?')[0]} not found`,
      requestId: request.id,
    }
    return reply.code(404).send(body)
  })

  // Every answer carries its request id, so a client can quote it and an operator find the log.
  // Callback style: this hook runs on every request, webhooks included, and an async hook
  // costs a promise and a microtask turn each time.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })
}

export default fp(errorHandlerPlugin, { name: 'did-edge-errors', fastify: '5.x' })
