import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { callAnalyticsQuerySchema, callAnalyticsSchema } from './schemas.js'
import { callAnalytics } from './service.js'

const analyticsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/analytics/calls',
    {
      config: { access: 'read:logs' },
      schema: {
        summary: 'Call statistics over a period, per day or per number',
        description:
          'Counts calls created in [from, to) (at most 366 days): answered (status COMPLETED or ANSWERED with an answer ' +
          'time), missed (NO_ANSWER, BUSY, FAILED, CANCELLED), answer rate, total and average duration, cost. ' +
          '`groupBy=day` counts calendar days in `timezone` (default: your profile time zone); days without calls are ' +
          'absent. `groupBy=number` groups by number, busiest first.',
        tags: ['analytics'],
        querystring: callAnalyticsQuerySchema,
        response: { 200: callAnalyticsSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => callAnalytics(app.db.prisma, request.principal, request.query),
  )
}

export default analyticsRoutes
