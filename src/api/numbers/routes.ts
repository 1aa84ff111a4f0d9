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
  numberRegistrationSchema,
  numberSchema,
  toNumberView,
} from './schemas.js'
import { registerNumber } from './registration.js'
import { getNumberDetail, listNumbers } from './service.js'
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
        description:
          'With Twilio configured, the account must own `twilioSid` as `phoneNumber` on `twilioAccountSid` (400 naming the ' +
          'field otherwise); without it (development) the answer has `ownershipVerified: false` and says so in `warnings`, ' +
          'and in production only administrators may register. `phoneNumber` must be a valid number of `countryCode`. ' +
          'A number or SID registered already, by anyone, is 409. Only administrators set `monthlyPrice` and `setupPrice` ' +
          "(403 otherwise); everyone else gets the price list's price for the number's type, which must then be what the number is.",
        tags: ['numbers'],
        body: createNumberBodySchema,
        response: {
          201: numberRegistrationSchema,
          400: errorBodySchema,
          403: errorBodySchema,
          409: errorBodySchema,
          502: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const deps = { twilio: app.twilio, production: config.nodeEnv === 'production' }
      const { row, ownershipVerified, warnings } = await registerNumber(prisma, deps, request.principal, request.body)
      request.audit.resourceId = row.id
      request.audit.newValues = row
      // A webhook may have cached this number as unknown: route it from now on.
      await app.routingCache.invalidate([row.phoneNumber])
      return reply.code(201).send({ ...toNumberView(row), ownershipVerified, warnings })
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
