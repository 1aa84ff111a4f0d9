import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { toPublicUser } from '../users/schemas.js'
import { loginBodySchema, refreshBodySchema, sessionListSchema, sessionParamsSchema, tokenPairSchema } from './schemas.js'
import { AuthRefusal, type IssuedTokens, listSessions, login, logout, refresh, revokeSession } from './sessions-service.js'
import type { Throttle } from './throttle.js'

/** Copies what a refused login or refresh says about itself into the request's audit row. */
async function auditedRefusal<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof AuthRefusal) Object.assign(request.audit, err.audit)
    throw err
  }
}

function tokenPair(issued: IssuedTokens) {
  return {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresIn: issued.expiresIn,
    user: toPublicUser(issued.user),
  }
}

/** Login, token refresh, logout and the caller's own sessions. */
const sessionRoutes: FastifyPluginAsyncZod<{ config: AppConfig; throttle: Throttle }> = async (app, { config, throttle }) => {
  const prisma = app.db.prisma
  const settings = config.auth
  const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] })

  app.post(
    '/auth/login',
    {
      config: { access: 'public', audit: { action: 'LOGIN', resource: 'session' } },
      schema: {
        summary: 'Sign in with email and password',
        description:
          'Returns a short-lived access token (send it as Authorization: Bearer) and an opaque refresh token. ' +
          'Unknown emails and wrong passwords answer alike. Failed attempts are rate limited per IP and per email.',
        tags: ['auth'],
        body: loginBodySchema,
        response: { 200: tokenPairSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body
      // Every attempt is audited with the email tried (never the password).
      request.audit.newValues = { email }
      request.audit.action = 'LOGIN_FAILED'
      // Counted before the password is checked, so parallel guesses cannot all pass the limit
      // before any of them is counted; a sign-in that succeeds is refunded: only failures count.
      const attempt = await throttle(reply, 'login', { ip: request.ip, email })
      const issued = await auditedRefusal(request, () => login(prisma, settings, { email, password }, client(request)))
      await attempt.refund()
      request.audit.action = undefined
      request.audit.userId = issued.user.id
      request.audit.resourceId = issued.session.id
      return tokenPair(issued)
    },
  )

  app.post(
    '/auth/refresh',
    {
      config: { access: 'public', audit: { action: 'REFRESH', resource: 'session' } },
      schema: {
        summary: 'Exchange a refresh token for a new token pair',
        description:
          'The presented refresh token is revoked and a new one issued. Presenting a revoked refresh token again ' +
          'revokes every session of its login (token theft) and answers 401.',
        tags: ['auth'],
        body: refreshBodySchema,
        response: { 200: tokenPairSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const issued = await auditedRefusal(request, () => refresh(prisma, settings, request.body.refreshToken, client(request)))
      request.audit.userId = issued.user.id
      request.audit.resourceId = issued.session.id
      return tokenPair(issued)
    },
  )

  app.post(
    '/auth/logout',
    {
      config: { access: 'authenticated', allowUnverified: true, audit: { action: 'LOGOUT', resource: 'session' } },
      schema: {
        summary: 'End the session of the presented access token',
        tags: ['auth'],
        response: { 204: z.null(), 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = await logout(prisma, request.principal)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/sessions',
    {
      config: { access: 'authenticated', allowUnverified: true },
      schema: {
        summary: "The caller's active sessions, newest first",
        description: 'At most the 100 newest. `current` marks the session of the presented access token.',
        tags: ['auth'],
        response: { 200: sessionListSchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => ({ data: await listSessions(prisma, request.principal) }),
  )

  app.delete(
    '/auth/sessions/:id',
    {
      config: { access: 'authenticated', allowUnverified: true, audit: { action: 'REVOKE', resource: 'session' } },
      schema: {
        summary: 'Revoke one of your own sessions',
        description: "Sessions are personal: another user's session answers 404, for administrators too.",
        tags: ['auth'],
        params: sessionParamsSchema,
        response: { 204: z.null(), 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = request.params.id
      await revokeSession(prisma, request.principal, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default sessionRoutes
