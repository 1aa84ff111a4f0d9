import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { AppConfig, HttpLimits } from './config.js'
import apiScope from './http/api.js'
import healthRoutes from './http/routes/health.js'
import { logController, loggerOptions } from './logger.js'
import billingJobs from './plugins/billing-jobs.js'
import bootstrap from './plugins/bootstrap.js'
import database from './plugins/database.js'
import errorHandler from './plugins/error-handler.js'
import ingest from './plugins/ingest.js'
import mail from './plugins/mail.js'
import metrics from './plugins/metrics.js'
import openapi from './plugins/openapi.js'
import outboundWebhooks from './plugins/outbound-webhooks.js'
import redis from './plugins/redis.js'
import routingCache from './plugins/routing-cache.js'
import twilio from './plugins/twilio.js'
import { createSignatureValidator } from './webhooks/signature.js'
import twilioScope from './webhooks/scope.js'

/** An upstream request id is kept only if it is a short, printable token; else a new one. */
function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID()
}

/**
 * Fastify's and Node's HTTP timeouts (Fastify leaves the request timeout off by default, so a
 * client sending one byte every few seconds would hold its connection forever).
 */
function serverLimits(limits: HttpLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
    http: {
      // Node checks headersTimeout <= requestTimeout when the server is created.
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      // Node enforces the headers and request timeouts by sweeping its connections at this
      // interval (30 s by default), which would let a 15 s limit run to 45 s.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10))),
    },
  }
}

/**
 * Builds the did-edge application from an explicit configuration. It opens its database (and
 * migrates it unless told not to), connects Redis when configured, and registers every scope;
 * it does not listen. `server.ts` listens; tests `inject` and close.
 */
export async function build(config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config),
    logController: logController(),
    genReqId: requestId,
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    // Start-up applies migrations, which may legitimately take longer than Fastify's 10 s default.
    pluginTimeout: 120_000,
    ...serverLimits(config.http),
  })
  // Beyond the cap Node closes a new connection as soon as it is accepted, so slow or idle
  // clients can never take the descriptors that Postgres, Redis and live requests need.
  app.server.maxConnections = config.http.maxConnections
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  try {
    await app.register(errorHandler)
    await app.register(metrics, { config })
    await app.register(database, { config })
    await app.register(redis, { config })
    await app.register(bootstrap, { config })
    await app.register(twilio, { config })
    await app.register(routingCache, { config })
    await app.register(ingest, { config })
    await app.register(outboundWebhooks, { config })
    await app.register(mail, { config })
    await app.register(billingJobs)
    await app.register(healthRoutes)
    await app.register(twilioScope, {
      prefix: '/twilio',
      cache: app.routingCache,
      sink: app.ingest,
      metrics: app.metrics,
      validator: createSignatureValidator(config.publicBaseUrl, config.twilio.authTokens),
    })
    await app.register(openapi, { config })
    await app.register(apiScope, { prefix: '/api/v1', config })
    await app.ready()
  } catch (err) {
    // A half-built app still holds connections; release them before reporting the failure.
    await app.close().catch(() => {})
    throw err
  }
  return app
}
