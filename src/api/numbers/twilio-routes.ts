import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import { purchaseNumbers } from '../../purchases/purchase.js'
import { twilioNotConfigured } from '../../twilio/client.js'
import type { TwilioServices } from '../../twilio/services.js'
import { errorBodySchema } from '../common-schemas.js'
import { orderSchema, toOrderView } from '../orders/schemas.js'
import {
  idempotencyHeadersSchema,
  idParamsSchema,
  numberSchema,
  purchaseBodySchema,
  toNumberView,
  updateNumberBodySchema,
} from './schemas.js'
import { releaseNumber, updateNumberSynced } from './twilio-service.js'

/** The fields a PATCH named, as they were and as they are: the audit row shows exactly the change. */
function changed(row: object, keys: string[]): Record<string, unknown> {
  const view = row as Record<string, unknown>
  return Object.fromEntries(keys.map((k) => [k, view[k]]))
}

export interface NumberTwilioRoutesOptions {
  config: AppConfig
  /** Null when Twilio is not configured: these routes then answer 503 where they need it. */
  twilio: TwilioServices | null
}

/**
 * The number routes that talk to Twilio: buy (POST /numbers/purchase), change webhooks (PATCH
 * /numbers/:id, synced to Twilio) and release (DELETE /numbers/:id). They need the
 * configuration (PUBLIC_BASE_URL, tax rate) and the app's Twilio client (plugins/twilio.ts),
 * whose price cache they share with the search.
 */
const numberTwilioRoutes: FastifyPluginAsyncZod<NumberTwilioRoutesOptions> = async (app, { config, twilio }) => {
  const prisma = app.db.prisma

  app.post(
    '/numbers/purchase',
    {
      config: { access: 'write:numbers', audit: { action: 'CREATE', resource: 'order' } },
      schema: {
        summary: 'Buy numbers from Twilio: one order, each number pointed at did-edge',
        description:
          'Requires an `Idempotency-Key` header (1-200 characters): the same key again returns the same order ' +
          '(200) and buys nothing; an order interrupted by a Twilio outage is resumed by repeating the request. ' +
          'The order ends COMPLETED, PARTIAL (some numbers could not be bought: their items have quantity 0 and ' +
          'the reasons are in `cancellationReason`) or FAILED.',
        tags: ['numbers', 'orders'],
        headers: idempotencyHeadersSchema,
        body: purchaseBodySchema,
        response: {
          200: orderSchema.describe('The order an earlier request with this key created'),
          201: orderSchema,
          400: errorBodySchema,
          403: errorBodySchema,
          409: errorBodySchema,
          502: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      request.audit.newValues = request.body
      if (twilio === null) throw twilioNotConfigured('buying numbers')
      const { order, created } = await purchaseNumbers(
        {
          prisma,
          twilio: twilio.numbers,
          prices: twilio.prices,
          publicBaseUrl: config.publicBaseUrl,
          taxRate: config.billing.taxRate,
          invalidate: (numbers) => app.routingCache.invalidate(numbers),
        },
        { userId: request.principal.user.id, idempotencyKey: request.headers['idempotency-key'], ...request.body },
      )
      const view = toOrderView(order)
      request.audit.resourceId = order.id
      request.audit.newValues = { ...request.body, orderNumber: order.orderNumber, status: order.status, totalAmount: view.totalAmount }
      return reply.code(created ? 201 : 200).send(view)
    },
  )

  app.patch(
    '/numbers/:id',
    {
      config: { access: 'write:numbers', audit: { action: 'UPDATE', resource: 'number' } },
      schema: {
        summary: "Change a number's name, tags, notes, webhook URLs and methods, or caller-ID lookup",
        description:
          'Webhook URLs and methods and caller-ID lookup live at Twilio too: a change to any of them is sent to ' +
          'Twilio first, and the number changes only if Twilio accepts (else 502 with Twilio\'s error, or 503 when ' +
          'Twilio is not configured). A null URL means did-edge\'s own webhook.',
        tags: ['numbers'],
        params: idParamsSchema,
        body: updateNumberBodySchema,
        response: {
          200: numberSchema,
          400: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
          409: errorBodySchema,
          502: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous, row } = await updateNumberSynced(
        prisma,
        twilio?.numbers ?? null,
        config.publicBaseUrl,
        request.principal,
        request.params.id,
        request.body,
      )
      const keys = Object.keys(request.body)
      request.audit.oldValues = changed(toNumberView(previous), keys)
      request.audit.newValues = changed(toNumberView(row), keys)
      await app.routingCache.invalidate([row.phoneNumber])
      return toNumberView(row)
    },
  )

  app.delete(
    '/numbers/:id',
    {
      config: { access: 'write:numbers', audit: { action: 'DELETE', resource: 'number' } },
      schema: {
        summary: 'Release a number at Twilio and mark it RELEASED (its logs stay)',
        description: "If Twilio refuses, the number stays as it was and the answer is 502 with Twilio's code and message.",
        tags: ['numbers'],
        params: idParamsSchema,
        response: {
          200: numberSchema,
          403: errorBodySchema,
          404: errorBodySchema,
          409: errorBodySchema,
          502: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous, row } = await releaseNumber(prisma, twilio?.numbers ?? null, request.principal, request.params.id)
      request.audit.oldValues = { phoneNumber: previous.phoneNumber, status: previous.status }
      request.audit.newValues = { phoneNumber: row.phoneNumber, status: row.status, releasedAt: row.releasedAt?.toISOString() }
      await app.routingCache.invalidate([row.phoneNumber])
      return toNumberView(row)
    },
  )
}

export default numberTwilioRoutes
