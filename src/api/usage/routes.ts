import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import { toUsageRecordView, usageListQuerySchema, usageRecordSchema, usageSummaryQuerySchema, usageSummarySchema } from './schemas.js'
import { listUsage, usageSummary } from './service.js'

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema }

const usageRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/usage',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'Usage records, newest first',
        description: 'Filters combine with AND. The usageDate range (dateFrom, dateTo) includes both ends.',
        tags: ['usage'],
        querystring: usageListQuerySchema,
        response: { 200: paginatedSchema(usageRecordSchema), ...errors },
      },
    },
    async (request) => {
      const { rows, total } = await listUsage(prisma, request.principal, request.query)
      return paginated(rows.map(toUsageRecordView), request.query, total)
    },
  )

  app.get(
    '/usage/summary',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: "A billing period's usage by type: quantity, cost, record count",
        description:
          'Sums the usage records of the period (YYYY-MM). Amounts are decimal strings. When the records span several ' +
          'currencies (administrators across accounts), pass `currency`.',
        tags: ['usage'],
        querystring: usageSummaryQuerySchema,
        response: { 200: usageSummarySchema, ...errors },
      },
    },
    async (request) => usageSummary(prisma, request.principal, request.query),
  )
}

export default usageRoutes
