import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { toConfigurationView } from '../configurations/schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import { listNumbersQuerySchema } from './list-query.js'
import {
  createNumberBodySchema,
  idParamsSchema,
  numberDetailSchema,
  numberSchema,
  toNumberView,
} from './schemas.js'
import { createNumber, getNumberDetail, listNumbers } from './service.js'
import numberTwilioRoutes from './twilio-routes.js'

const numberRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app, { config }) => {
  const prisma = app.db.prisma
  // Buying, changing webhooks and releasing talk to Twilio: they live in their own file.
  await app.register(numberTwilioRoutes, { config, twilio: app.twilio })

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
      const number = await createNumber(prisma, request.principal, request.body)
      request.audit.resourceId = number.id
      request.audit.newValues = number
      // A webhook may have cached this number as unknown: route it from now on.
      await app.routingCache.invalidate([number.phoneNumber])
      return reply.code(201).send(toNumberView(number))
    },
  )

  app.get(
    '/numbers',
    {
      config: { access: 'read:numbers' },
      schema: {
        summary: 'Search the numbers the caller may read',
        description:
          'Paginated. Filters combine with AND; released numbers are included unless `status` leaves them out. ' +
          'Numbers without the sort key (no friendly name, never used) come last in either order.',
        tags: ['numbers'],
        querystring: listNumbersQuerySchema,
        response: { 200: paginatedSchema(numberSchema), 400: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const { rows, total } = await listNumbers(prisma, request.principal, request.query)
      return paginated(rows.map(toNumberView), request.query, total)
    },
  )

  app.get(
    '/numbers/:id',
    {
      config: { access: 'read:numbers' },
      schema: {
        summary: 'One number, its routing configurations and how many call and SMS logs it has',
        tags: ['numbers'],
        params: idParamsSchema,
        response: { 200: numberDetailSchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      // Routing rules name forwarding destinations: a key limited to read:numbers does not see them.
      const withConfigurations = request.principal.permissions.includes('read:config')
      const { configurations, _count, ...number } = await getNumberDetail(
        prisma,
        request.principal,
        request.params.id,
        withConfigurations,
      )
      return {
        ...toNumberView(number),
        ...(configurations && { configurations: configurations.map(toConfigurationView) }),
        _count,
      }
    },
  )

  // PATCH /numbers/:id, POST /numbers/purchase and DELETE /numbers/:id talk to Twilio and need the
  // configuration: they live in twilio-routes.ts.
}

export default numberRoutes
