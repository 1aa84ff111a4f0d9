import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { createNumberBodySchema, idParamsSchema, numberSchema, toNumberView } from './schemas.js'
import { createNumber, getNumber } from './service.js'

const numberRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/numbers',
    {
      config: { access: 'write:numbers', audit: { action: 'CREATE', resource: 'number' } },
      schema: {
        summary: 'Register a number the Twilio account already owns',
        tags: ['numbers'],
        body: createNumberBodySchema,
        response: { 201: numberSchema, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const number = await createNumber(app.db.prisma, request.principal, request.body)
      request.audit.resourceId = number.id
      request.audit.newValues = number
      // A webhook may have cached this number as unknown: route it from now on.
      await app.routingCache.invalidate([number.phoneNumber])
      return reply.code(201).send(toNumberView(number))
    },
  )

  app.get(
    '/numbers/:id',
    {
      config: { access: 'read:numbers' },
      schema: {
        summary: 'One number',
        tags: ['numbers'],
        params: idParamsSchema,
        response: { 200: numberSchema, 404: errorBodySchema },
      },
    },
    async (request) => toNumberView(await getNumber(app.db.prisma, request.principal, request.params.id)),
  )
}

export default numberRoutes
