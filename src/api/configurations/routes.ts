import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import {
  configurationParamsSchema,
  configurationSchema,
  configurationWithWarningsSchema,
  createConfigurationBodySchema,
  toConfigurationView,
  updateConfigurationBodySchema,
} from './schemas.js'
import {
  createConfiguration,
  deleteConfiguration,
  getConfiguration,
  listConfigurations,
  updateConfiguration,
} from './service.js'

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema }

const configurationRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/numbers/:id/configurations',
    {
      config: { access: 'read:config' },
      schema: {
        summary: "A number's routing configurations, oldest first",
        tags: ['configurations'],
        params: idParamsSchema,
        response: { 200: z.object({ data: z.array(configurationSchema) }), 404: errorBodySchema },
      },
    },
    async (request) => ({
      data: (await listConfigurations(prisma, request.principal, request.params.id)).map(toConfigurationView),
    }),
  )

  app.post(
    '/numbers/:id/configurations',
    {
      config: { access: 'write:config', audit: { action: 'CREATE', resource: 'number_configuration' } },
      schema: {
        summary: 'Add a routing configuration to a number',
        description: 'Invalid content answers 400 with every faulty path; lint warnings come back with the saved configuration.',
        tags: ['configurations'],
        params: idParamsSchema,
        body: createConfigurationBodySchema,
        response: { 201: configurationWithWarningsSchema, ...errors },
      },
    },
    async (request, reply) => {
      const saved = await createConfiguration(prisma, request.principal, request.params.id, request.body)
      request.audit.resourceId = saved.row.id
      request.audit.newValues = saved.row
      await app.routingCache.invalidate([saved.phoneNumber])
      return reply.code(201).send({ ...toConfigurationView(saved.row), warnings: saved.warnings })
    },
  )

  app.get(
    '/numbers/:id/configurations/:configId',
    {
      config: { access: 'read:config' },
      schema: {
        summary: 'One routing configuration',
        tags: ['configurations'],
        params: configurationParamsSchema,
        response: { 200: configurationSchema, 404: errorBodySchema },
      },
    },
    async (request) =>
      toConfigurationView(await getConfiguration(prisma, request.principal, request.params.id, request.params.configId)),
  )

  app.patch(
    '/numbers/:id/configurations/:configId',
    {
      config: { access: 'write:config', audit: { action: 'UPDATE', resource: 'number_configuration' } },
      schema: {
        summary: 'Change some fields of a routing configuration',
        description: 'The result is validated as a whole; nothing is written when it is invalid.',
        tags: ['configurations'],
        params: configurationParamsSchema,
        body: updateConfigurationBodySchema,
        response: { 200: configurationWithWarningsSchema, ...errors },
      },
    },
    async (request) => {
      const { id, configId } = request.params
      request.audit.resourceId = configId
      const saved = await updateConfiguration(prisma, request.principal, id, configId, request.body)
      request.audit.oldValues = saved.previous
      request.audit.newValues = saved.row
      await app.routingCache.invalidate([saved.phoneNumber])
      return { ...toConfigurationView(saved.row), warnings: saved.warnings }
    },
  )

  app.delete(
    '/numbers/:id/configurations/:configId',
    {
      config: { access: 'write:config', audit: { action: 'DELETE', resource: 'number_configuration' } },
      schema: {
        summary: 'Delete a routing configuration',
        tags: ['configurations'],
        params: configurationParamsSchema,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = request.params.configId
      const { row, phoneNumber } = await deleteConfiguration(prisma, request.principal, request.params.id, request.params.configId)
      request.audit.oldValues = row
      await app.routingCache.invalidate([phoneNumber])
      return reply.code(204).send(null)
    },
  )
}

export default configurationRoutes
