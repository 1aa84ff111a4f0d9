import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ApiKeyUsageRecorder } from '../auth/api-key-usage.js'
import { bearerToken, hashApiKey } from '../auth/api-keys.js'
import { forbidden, unauthorized } from '../errors.js'
import type { User } from '../generated/prisma/client.js'

export interface Principal {
  user: User
  apiKeyId: string
  permissions: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the API scope's authentication hook before any handler runs. */
    principal: Principal
  }
}

/**
 * Authenticates every request of the scope it is registered in with `Authorization: Bearer
 * <api key>`. Registered only inside the /api/v1 scope: health and Twilio routes never see it.
 */
async function apiKeyAuthPlugin(app: FastifyInstance) {
  const usage = new ApiKeyUsageRecorder(app.db.prisma, (err) => app.log.warn({ err }, 'could not record API key use'))
  app.addHook('onClose', async () => {
    await usage.flush()
  })

  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    const secret = bearerToken(request.headers.authorization)
    if (secret === undefined) throw unauthorized('missing API key: send Authorization: Bearer <key>')

    const key = await app.db.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(secret) }, include: { user: true } })
    const now = new Date()
    // Unknown, revoked and expired keys answer alike, so a caller learns nothing about which.
    if (key === null || !key.isActive || (key.expiresAt !== null && key.expiresAt <= now)) {
      throw unauthorized('invalid or expired API key')
    }
    if (!key.user.isActive) throw forbidden('this account is inactive')
    if (key.user.isSuspended) throw forbidden('this account is suspended')

    usage.record(key.id, now)
    request.principal = { user: key.user, apiKeyId: key.id, permissions: key.permissions }
  })
}

export default fp(apiKeyAuthPlugin, { name: 'did-edge-api-key-auth', fastify: '5.x', dependencies: ['did-edge-database'] })
