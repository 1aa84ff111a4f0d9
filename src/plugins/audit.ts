import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { withoutSecrets } from '../audit/redact.js'
import { Prisma } from '../generated/prisma/client.js'

/** What a route's audit rows are about, e.g. `{ action: 'UPDATE', resource: 'number' }`. */
export interface RouteAudit {
  action: string
  resource: string
}

/** Filled in by handlers as they learn it; the plugin writes the row when the answer leaves. */
export interface AuditDraft {
  resourceId?: string
  oldValues?: unknown
  newValues?: unknown
  /** Who the row is about when nobody is authenticated (a failed login names the account tried). */
  userId?: string
  /** Overrides the route's action (e.g. LOGIN_FAILED). */
  action?: string
  /** Set by the plugin from the error the request ended with. */
  errorMessage?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every mutating API route: what its audit rows say, or false for none (read-only POSTs). */
    audit?: RouteAudit | false
  }
  interface FastifyRequest {
    audit: AuditDraft
  }
}

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const json = (value: unknown) =>
  value === undefined || value === null ? Prisma.DbNull : (withoutSecrets(value) as Prisma.InputJsonValue)

/**
 * Every mutation through the API, successful or refused, leaves one AuditLog row: who, what,
 * which resource, old and new values without secrets, and the request's IP, user agent,
 * endpoint and method. The row is written before the answer is sent, so a client that got an
 * answer can find its row. A failure to write it is logged and does not fail the request.
 */
async function auditPlugin(app: FastifyInstance) {
  const prisma = app.db.prisma
  app.decorateRequest('audit', null as unknown as AuditDraft)
  app.addHook('onRequest', async (request) => {
    request.audit = {}
  })

  app.addHook('onError', async (request, _reply, error) => {
    if (request.audit) request.audit.errorMessage = error.message
  })

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    const { audit: route, access } = request.routeOptions.config
    if (route === undefined || route === false || !MUTATING_METHODS.has(request.method)) return
    // A request that never authenticated changed nothing and names nobody; auditing it would
    // let anyone fill the table with anonymous rows. Public routes (login) are always audited.
    if (access !== 'public' && !request.principal) return
    const draft = request.audit ?? {}
    const success = reply.statusCode < 400
    try {
      await prisma.auditLog.create({
        data: {
          userId: request.principal?.user.id ?? draft.userId ?? null,
          action: draft.action ?? route.action,
          resource: route.resource,
          resourceId: draft.resourceId ?? null,
          oldValues: json(draft.oldValues),
          // On a refusal these are the values that were attempted (a failed login keeps the email tried).
          newValues: json(draft.newValues),
          ipAddress: request.ip,
          userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
          endpoint: request.routeOptions.url ?? request.url.split('?')[0],
          method: request.method,
          success,
          errorMessage: success ? null : (draft.errorMessage ?? `HTTP ${reply.statusCode}`),
        },
      })
    } catch (err) {
      request.log.error({ err }, 'could not write the audit log')
    }
  })
}

export default fp(auditPlugin, { name: 'did-edge-audit', fastify: '5.x', dependencies: ['did-edge-database'] })
