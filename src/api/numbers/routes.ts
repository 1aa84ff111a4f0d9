import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
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
  updateNumberBodySchema,
} from './schemas.js'
import { createNumber, getNumberDetail, listNumbers, updateNumber } from './service.js'

/** The fields a PATCH named, as they were and as they are: the audit row shows exactly the change. */
function changed(row: object, keys: string[]): Record<string, unknown> {
  const view = row as Record<string, unknown>
  return Object.fromEntries(keys.map((k) => [k, view[k]]))
}

const numberRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

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

  app.patch(
    '/numbers/:id',
    {
      config: { access: 'write:numbers', audit: { action: 'UPDATE', resource: 'number' } },
      schema: {
        summary: "Change a number's name, tags, notes, webhook URLs and methods, or caller-ID lookup",
        tags: ['numbers'],
        params: idParamsSchema,
        body: updateNumberBodySchema,
        response: { 200: numberSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous, row } = await updateNumber(prisma, request.principal, request.params.id, request.body)
      const keys = Object.keys(request.body)
      request.audit.oldValues = changed(toNumberView(previous), keys)
      request.audit.newValues = changed(toNumberView(row), keys)
      await app.routingCache.invalidate([row.phoneNumber])
      return toNumberView(row)
    },
  )
}

export default numberRoutes
