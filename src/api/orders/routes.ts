import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { listOrdersQuerySchema, orderSchema, toOrderView } from './schemas.js'
import { getOrder, listOrders } from './service.js'

/** The orders of number purchases (POST /numbers/purchase creates them), with their items. */
const orderRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/orders',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'The orders the caller may read, newest first, with their items',
        tags: ['orders'],
        querystring: listOrdersQuerySchema,
        response: { 200: paginatedSchema(orderSchema), 400: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const { rows, total } = await listOrders(prisma, request.principal, request.query)
      return paginated(rows.map(toOrderView), request.query, total)
    },
  )

  app.get(
    '/orders/:id',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'One order with its items',
        tags: ['orders'],
        params: idParamsSchema,
        response: { 200: orderSchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => toOrderView(await getOrder(prisma, request.principal, request.params.id)),
  )
}

export default orderRoutes
