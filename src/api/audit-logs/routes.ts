import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import { auditLogSchema, listAuditLogsQuerySchema, toAuditLogView } from './schemas.js'
import { listAuditLogs } from './service.js'

const auditLogRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/audit-logs',
    {
      config: { access: 'read:audit' },
      schema: {
        summary: 'The audit trail: every mutation through the API and every failed login, newest first',
        tags: ['audit-logs'],
        querystring: listAuditLogsQuerySchema,
        response: {
          200: paginatedSchema(auditLogSchema),
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
        },
      },
    },
    async (request) => {
      const { rows, total } = await listAuditLogs(app.db.prisma, request.query)
      return paginated(rows.map(toAuditLogView), request.query, total)
    },
  )
}

export default auditLogRoutes
