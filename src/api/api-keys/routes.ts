import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { apiKeySchema, createApiKeyBodySchema, createdApiKeySchema, toApiKeyView } from './schemas.js'
import { createApiKey, listApiKeys, revokeApiKey } from './service.js'

/** Every caller manages their own keys, and only their own. */
const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.post(
    '/api-keys',
    {
      config: { access: 'authenticated', audit: { action: 'CREATE', resource: 'api_key' } },
      schema: {
        summary: 'Create an API key for yourself',
        description:
          'The secret (`key`) is in this answer only; the server keeps its hash. A key may carry only permissions ' +
          'the caller holds (`admin` only when the caller holds everything their role allows).',
        tags: ['api-keys'],
        body: createApiKeyBodySchema,
        response: { 201: createdApiKeySchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { row, secret } = await createApiKey(prisma, request.principal, request.body)
      const view = toApiKeyView(row)
      request.audit.resourceId = row.id
      request.audit.newValues = view
      return reply.code(201).send({
        id: view.id,
        name: view.name,
        keyPrefix: view.keyPrefix,
        permissions: view.permissions,
        expiresAt: view.expiresAt,
        createdAt: view.createdAt,
        key: secret,
      })
    },
  )

  app.get(
    '/api-keys',
    {
      config: { access: 'authenticated' },
      schema: {
        summary: 'Your API keys, active and revoked, newest first',
        tags: ['api-keys'],
        response: { 200: z.object({ data: z.array(apiKeySchema) }), 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => ({ data: (await listApiKeys(prisma, request.principal)).map(toApiKeyView) }),
  )

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'authenticated', audit: { action: 'DELETE', resource: 'api_key' } },
      schema: {
        summary: 'Revoke one of your API keys',
        description: "It stops working at once. Another user's key answers 404.",
        tags: ['api-keys'],
        params: idParamsSchema,
        response: { 204: z.null(), 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = request.params.id
      const old = await revokeApiKey(prisma, request.principal, request.params.id)
      request.audit.oldValues = toApiKeyView(old)
      request.audit.newValues = { ...toApiKeyView(old), isActive: false }
      return reply.code(204).send(null)
    },
  )
}

export default apiKeyRoutes
