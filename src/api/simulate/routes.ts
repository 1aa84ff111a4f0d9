import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { simulateBodySchema, simulateNumberBodySchema, simulationSchema } from './schemas.js'
import { simulateInline, simulateStored } from './service.js'

const description =
  'Routes a hypothetical call and explains the decision: the configuration chosen and why, the local time and zone, ' +
  'the caller as normalized, every rule tried, the action and its TwiML. Nothing is written.'

const simulateRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/routing/simulate',
    {
      // Simulation reads routing and writes nothing, so it is not audited.
      config: { access: 'read:config', audit: false },
      schema: {
        summary: 'Simulate a call against an inline configuration or a stored number',
        description,
        tags: ['routing'],
        body: simulateBodySchema,
        response: { 200: simulationSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      const { configuration, numberId, call } = request.body
      return configuration !== undefined
        ? simulateInline(configuration, call, Date.now())
        : simulateStored(app.db.prisma, request.principal, numberId as string, call, Date.now())
    },
  )

  app.post(
    '/numbers/:id/simulate',
    {
      config: { access: 'read:config', audit: false },
      schema: {
        summary: 'Simulate a call to a stored number',
        description,
        tags: ['routing'],
        params: idParamsSchema,
        body: simulateNumberBodySchema,
        response: { 200: simulationSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => simulateStored(app.db.prisma, request.principal, request.params.id, request.body.call, Date.now()),
  )
}

export default simulateRoutes
