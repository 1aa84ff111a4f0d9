import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import { csvStream } from './csv.js'
import { prefersCsv } from './negotiation.js'
import {
  callLogCsvColumns,
  callLogListQuerySchema,
  callLogSchema,
  smsLogCsvColumns,
  smsLogListQuerySchema,
  smsLogSchema,
  toCallLogView,
  toSmsLogView,
} from './schemas.js'
import { callLogBatches, getCallLog, listCallLogs, listSmsLogs, smsLogBatches } from './service.js'

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema }

const csvExportNote =
  'Send `Accept: text/csv` to download every matching row (page and limit are ignored, rows ordered by createdAt ' +
  'then id) as an RFC 4180 CSV file with a header row. Cells a spreadsheet would run as a formula (starting with ' +
  '= + - @, a tab or a CR, other than plain numbers) are prefixed with `\'`. Errors still answer JSON.'

/** A list answer: the JSON page, or (Accept: text/csv) the whole result set as a CSV download. */
function listResponse<T extends z.ZodType>(item: T, what: string) {
  return {
    description: `A page of ${what}, or all of them as CSV`,
    content: {
      'application/json': { schema: paginatedSchema(item) },
      'text/csv': { schema: z.string().describe('CSV: a header row, then one row per log, CRLF line ends') },
    },
  }
}

function sendCsv(reply: FastifyReply, filename: string, body: NodeJS.ReadableStream) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body)
}

const logRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/call-logs',
    {
      config: { access: 'read:logs' },
      schema: {
        summary: 'Call logs, newest first',
        description: `Filters combine with AND. The date range includes both ends.\n\n${csvExportNote}`,
        tags: ['logs'],
        querystring: callLogListQuerySchema,
        response: { 200: listResponse(callLogSchema, 'call logs'), ...errors },
      },
    },
    async (request, reply) => {
      // The answer depends on Accept: a cache must not serve the CSV to a JSON client.
      reply.header('vary', 'Accept')
      if (prefersCsv(request.headers.accept)) {
        const batches = callLogBatches(prisma, request.principal, request.query)
        const cells = (row: Parameters<typeof toCallLogView>[0]) => {
          const view = toCallLogView(row)
          return callLogCsvColumns.map((c) => view[c])
        }
        return sendCsv(reply, 'call-logs.csv', await csvStream(callLogCsvColumns, batches, cells))
      }
      const { rows, total } = await listCallLogs(prisma, request.principal, request.query)
      return reply.send(paginated(rows.map(toCallLogView), request.query, total))
    },
  )

  app.get(
    '/call-logs/:id',
    {
      config: { access: 'read:logs' },
      schema: {
        summary: 'One call log',
        tags: ['logs'],
        params: idParamsSchema,
        response: { 200: callLogSchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => toCallLogView(await getCallLog(prisma, request.principal, request.params.id)),
  )

  app.get(
    '/sms-logs',
    {
      config: { access: 'read:logs' },
      schema: {
        summary: 'SMS logs, newest first',
        description: `Filters combine with AND. The date range includes both ends.\n\n${csvExportNote}`,
        tags: ['logs'],
        querystring: smsLogListQuerySchema,
        response: { 200: listResponse(smsLogSchema, 'SMS logs'), ...errors },
      },
    },
    async (request, reply) => {
      reply.header('vary', 'Accept')
      if (prefersCsv(request.headers.accept)) {
        const batches = smsLogBatches(prisma, request.principal, request.query)
        const cells = (row: Parameters<typeof toSmsLogView>[0]) => {
          const view = toSmsLogView(row)
          return smsLogCsvColumns.map((c) => view[c])
        }
        return sendCsv(reply, 'sms-logs.csv', await csvStream(smsLogCsvColumns, batches, cells))
      }
      const { rows, total } = await listSmsLogs(prisma, request.principal, request.query)
      return reply.send(paginated(rows.map(toSmsLogView), request.query, total))
    },
  )
}

export default logRoutes
