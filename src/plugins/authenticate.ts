import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ApiKeyUsageRecorder } from '../auth/api-key-usage.js'
import { bearerToken, hashApiKey } from '../auth/api-keys.js'
import { looksLikeJwt, verifyAccessToken } from '../auth/jwt.js'
import { keyPermissions, type Permission, rolePermissions } from '../auth/permissions.js'
import type { Principal } from '../auth/principal.js'
import type { AppConfig } from '../config.js'
import { AppError, forbidden, unauthorized } from '../errors.js'
import type { User } from '../generated/prisma/client.js'

/**
 * Who may call a route: `public` (anyone, e.g. login), `authenticated` (any signed-in caller
 * acting on their own account, e.g. /users/me), or one permission. Every route of the API scope
 * must say which (the scope refuses to register a route that does not), so none is open by
 * accident.
 */
export type RouteAccess = 'public' | 'authenticated' | Permission

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
    /** With REQUIRE_EMAIL_VERIFICATION, an unverified account may still call this route (what verifying needs). */
    allowUnverified?: boolean
  }
  interface FastifyRequest {
    /** Who is calling; set before any handler of a non-public route runs. */
    principal: Principal
  }
}

/**
 * Authenticates the management API. `Authorization: Bearer` carries either an API key
 * (`dek_…`, or the operator's bootstrap key) or an access token from /auth/login; both end as a Principal with permissions.
 * Every request reloads the user (and the session), so suspending a user, deactivating them or
 * revoking a session takes effect on their very next request.
 */
async function authenticatePlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { jwtSecret, requireEmailVerification } = opts.config.auth
  const prisma = app.db.prisma
  const usage = new ApiKeyUsageRecorder(prisma, (err) => app.log.warn({ err }, 'could not record API key use'))
  app.addHook('onClose', async () => {
    await usage.flush()
  })

  function usable(user: User): User {
    if (!user.isActive) throw forbidden('this account is inactive')
    if (user.isSuspended) throw forbidden('this account is suspended')
    return user
  }

  async function byApiKey(secret: string, now: Date): Promise<Principal> {
    const key = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(secret) }, include: { user: true } })
    // Unknown, revoked and expired keys answer alike, so a caller learns nothing about which.
    if (key === null || !key.isActive || (key.expiresAt !== null && key.expiresAt <= now)) {
      throw unauthorized('invalid or expired API key')
    }
    const user = usable(key.user)
    usage.record(key.id, now)
    return { user, permissions: keyPermissions(key.permissions, user.role), via: { kind: 'apiKey', apiKeyId: key.id } }
  }

  async function byAccessToken(token: string, now: Date): Promise<Principal> {
    const claims = verifyAccessToken(jwtSecret, token, now.getTime())
    if (claims === undefined) throw unauthorized('invalid or expired access token')
    const session = await prisma.session.findUnique({ where: { id: claims.sid }, include: { user: true } })
    if (session === null || session.isRevoked || session.expiresAt <= now || session.userId !== claims.sub) {
      throw unauthorized('invalid or expired access token')
    }
    const user = usable(session.user)
    return { user, permissions: rolePermissions(user.role), via: { kind: 'session', sessionId: session.id } }
  }

  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access
    // Unknown routes have no access setting: they fall through to the scope's 404.
    if (access === undefined || access === 'public') return
    const secret = bearerToken(request.headers.authorization)
    if (secret === undefined) throw unauthorized('missing credentials: send Authorization: Bearer <API key or access token>')

    const now = new Date()
    const principal = looksLikeJwt(secret) ? await byAccessToken(secret, now) : await byApiKey(secret, now)
    request.principal = principal
    if (requireEmailVerification && !principal.user.emailVerified && request.routeOptions.config.allowUnverified !== true) {
      throw new AppError(
        'EMAIL_NOT_VERIFIED',
        'verify your email address first: follow the link mailed to you (POST /api/v1/auth/verify-email/resend sends it again)',
      )
    }
    if (access !== 'authenticated' && !principal.permissions.includes(access)) {
      throw forbidden(`this route requires the ${access} permission`)
    }
  })
}

export default fp(authenticatePlugin, { name: 'did-edge-authenticate', fastify: '5.x', dependencies: ['did-edge-database'] })
