import type { FastifyHelmetOptions } from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import type { AppConfig } from '../config.js'

/**
 * The browser-facing security headers of the management API and of /docs (helmet's defaults:
 * a same-origin Content-Security-Policy, nosniff, frame-ancestors 'self', no referrer, ...).
 * Two of them only make sense in production, where did-edge is served over https: HSTS (sent
 * over http://localhost it would pin the developer's browser to https for a year) and the CSP's
 * upgrade-insecure-requests (over plain http it would send /docs' own scripts to an https port
 * that does not answer). helmet's default `style-src 'unsafe-inline'` stays: the printable
 * invoice page styles itself inline; neither it nor /docs runs an inline script.
 */
export function securityHeaders(config: AppConfig): FastifyHelmetOptions {
  const production = config.nodeEnv === 'production'
  return {
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: production ? [] : null } },
  }
}

/**
 * `Cache-Control: no-store` on every answer of the scope. Every management answer is one
 * tenant's private data, and several carry credentials shown once (tokens at login, refresh and
 * registration, API keys, webhook endpoint secrets); none is the same for two callers or worth
 * a shared cache's risk, so the rule is the whole scope rather than a list that a new route can
 * miss. Callback style: it runs on every API answer.
 */
export function noStore(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}
