import helmet from '@fastify/helmet'
import type { FastifyInstance, RouteOptions } from 'fastify'
import analyticsRoutes from '../api/analytics/routes.js'
import apiKeyRoutes from '../api/api-keys/routes.js'
import auditLogRoutes from '../api/audit-logs/routes.js'
import authRoutes from '../api/auth/routes.js'
import availableNumberRoutes from '../api/available-numbers/routes.js'
import billingAccountRoutes from '../api/billing/account-routes.js'
import invoiceRoutes from '../api/billing/invoice-routes.js'
import configurationRoutes from '../api/configurations/routes.js'
import logRoutes from '../api/logs/routes.js'
import notificationRoutes from '../api/notifications/routes.js'
import numberRoutes from '../api/numbers/routes.js'
import orderRoutes from '../api/orders/routes.js'
import simulateRoutes from '../api/simulate/routes.js'
import usageRoutes from '../api/usage/routes.js'
import userRoutes from '../api/users/routes.js'
import webhookEndpointRoutes from '../api/webhook-endpoints/routes.js'
import type { AppConfig } from '../config.js'
import apiMetrics from '../plugins/api-metrics.js'
import audit, { MUTATING_METHODS } from '../plugins/audit.js'
import authenticate from '../plugins/authenticate.js'
import { noStore, securityHeaders } from './security-headers.js'

/**
 * Refuses, at start-up, a route that does not say who may call it, (when it changes
 * something) what its audit rows say, or how it is documented. Forgetting any is then a crash
 * in every test run, never an open, unaudited or undocumented route in production.
 */
export function requireAccessAndAudit(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  if (methods.every((m) => m === 'HEAD')) return
  const where = `${methods.join(',')} ${route.url}`
  if (route.config?.access === undefined) throw new Error(`API route ${where} does not declare config.access`)
  // Untagged routes are hidden from the OpenAPI document (see plugins/openapi.ts).
  if (!route.schema?.tags?.length || !route.schema.summary) throw new Error(`API route ${where} has no schema tags and summary`)
  if (methods.some((m) => MUTATING_METHODS.has(m)) && route.config.audit === undefined) {
    throw new Error(`API route ${where} changes state but does not declare config.audit`)
  }
}

/**
 * The management API scope, mounted at /api/v1. Authentication, permissions and the audit
 * trail are registered here and only here, so they cover every route of this scope and
 * nothing outside it.
 */
export default async function apiScope(app: FastifyInstance, opts: { config: AppConfig }) {
  app.addHook('onRoute', requireAccessAndAudit)
  // The API speaks JSON only: any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain'])
  // Here and on /docs only (plugins/openapi.ts): the Twilio scope is a hot path whose only
  // client, Twilio, is no browser and ignores these headers.
  await app.register(helmet, securityHeaders(opts.config))
  noStore(app)
  await app.register(audit)
  await app.register(authenticate, { config: opts.config })
  await app.register(apiMetrics)
  await app.register(authRoutes, { config: opts.config })
  await app.register(userRoutes)
  await app.register(apiKeyRoutes)
  await app.register(numberRoutes, { config: opts.config })
  await app.register(configurationRoutes)
  await app.register(simulateRoutes)
  await app.register(logRoutes)
  await app.register(analyticsRoutes)
  await app.register(usageRoutes)
  await app.register(notificationRoutes)
  await app.register(auditLogRoutes)
  await app.register(availableNumberRoutes, { config: opts.config })
  await app.register(orderRoutes, { config: opts.config })
  await app.register(billingAccountRoutes, { config: opts.config })
  await app.register(invoiceRoutes, { config: opts.config })
  await app.register(webhookEndpointRoutes, { config: opts.config })
}
