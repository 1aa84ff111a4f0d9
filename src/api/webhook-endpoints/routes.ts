import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { paginated } from '../pagination.js'
import {
  createdEndpointSchema,
  createEndpointBodySchema,
  deliveryPageSchema,
  deliverySchema,
  endpointPageSchema,
  endpointSchema,
  idParamsSchema,
  listDeliveriesQuerySchema,
  listEndpointsQuerySchema,
  toDeliveryView,
  toEndpointView,
  updateEndpointBodySchema,
} from './schemas.js'
import {
  createEndpoint,
  deleteEndpoint,
  getDelivery,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  queueTestDelivery,
  redeliver,
  updateEndpoint,
} from './service.js'

const tags = ['webhooks']
const signing =
  'Deliveries are POSTed as JSON `{ id, event, createdAt, data }` and signed per Standard Webhooks: ' +
  '`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>` keyed with the secret.'

/** The fields a PATCH named, before and after, for the audit row. */
function picked(view: object, keys: string[]): Record<string, unknown> {
  const all = view as Record<string, unknown>
  return Object.fromEntries(keys.map((k) => [k, all[k]]))
}

const webhookEndpointRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app, { config }) => {
  const prisma = app.db.prisma
  const rules = { nodeEnv: config.nodeEnv }
  // A delivery queued by a route goes out now rather than at the worker's next poll.
  const wakeWorker = () => app.outboundWebhooks.worker.wake()

  app.post(
    '/webhook-endpoints',
    {
      config: { access: 'write:webhooks', audit: { action: 'CREATE', resource: 'webhook_endpoint' } },
      schema: {
        summary: 'Create an outbound webhook endpoint; its signing secret is in this answer only',
        description: signing,
        tags,
        body: createEndpointBodySchema,
        response: { 201: createdEndpointSchema, 400: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request, reply) => {
      const endpoint = await createEndpoint(prisma, request.principal, request.body, rules)
      const view = toEndpointView(endpoint)
      request.audit.resourceId = endpoint.id
      request.audit.newValues = view
      return reply.code(201).send({ ...view, secret: endpoint.secret })
    },
  )

  app.get(
    '/webhook-endpoints',
    {
      config: { access: 'read:webhooks' },
      schema: {
        summary: 'The webhook endpoints the caller may read',
        tags,
        querystring: listEndpointsQuerySchema,
        response: { 200: endpointPageSchema, 400: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const { rows, total } = await listEndpoints(prisma, request.principal, request.query)
      return paginated(rows.map(toEndpointView), request.query, total)
    },
  )

  app.get(
    '/webhook-endpoints/:id',
    {
      config: { access: 'read:webhooks' },
      schema: {
        summary: 'One webhook endpoint (never its secret)',
        tags,
        params: idParamsSchema,
        response: { 200: endpointSchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => toEndpointView(await getEndpoint(prisma, request.principal, request.params.id)),
  )

  app.patch(
    '/webhook-endpoints/:id',
    {
      config: { access: 'write:webhooks', audit: { action: 'UPDATE', resource: 'webhook_endpoint' } },
      schema: {
        summary: "Change a webhook endpoint's URL, events, retry policy, timeout or activity",
        description: 'A retry policy given here is merged onto the current one. isActive false pauses deliveries; true resumes them.',
        tags,
        params: idParamsSchema,
        body: updateEndpointBodySchema,
        response: { 200: endpointSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous, row } = await updateEndpoint(prisma, request.principal, request.params.id, request.body, rules)
      const keys = Object.keys(request.body)
      const view = toEndpointView(row)
      request.audit.oldValues = picked(toEndpointView(previous), keys)
      request.audit.newValues = picked(view, keys)
      // Resumed: its waiting deliveries are due now.
      if (request.body.isActive === true) wakeWorker()
      return view
    },
  )

  app.delete(
    '/webhook-endpoints/:id',
    {
      config: { access: 'write:webhooks', audit: { action: 'DELETE', resource: 'webhook_endpoint' } },
      schema: {
        summary: 'Delete a webhook endpoint and its deliveries',
        tags,
        params: idParamsSchema,
        response: { 204: z.null(), 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = request.params.id
      const endpoint = await deleteEndpoint(prisma, request.principal, request.params.id)
      request.audit.oldValues = toEndpointView(endpoint)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/webhook-endpoints/:id/test',
    {
      config: { access: 'write:webhooks', audit: { action: 'CREATE', resource: 'webhook_delivery' } },
      schema: {
        summary: 'Send a test delivery to the endpoint',
        description:
          'Queues a `CALL_STARTED` delivery whose `data` is `{ test: true, message, webhookEndpointId }` (the event ' +
          'enum has no ping), whatever events the endpoint subscribes to. Answers 202 with the queued delivery; ' +
          'follow it at GET /webhook-deliveries/{id}. 409 when the endpoint is inactive.',
        tags,
        params: idParamsSchema,
        response: { 202: deliverySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const delivery = await queueTestDelivery(prisma, request.principal, request.params.id)
      request.audit.resourceId = delivery.id
      request.audit.newValues = { webhookEndpointId: delivery.webhookEndpointId, event: delivery.event, test: true }
      wakeWorker()
      return reply.code(202).send(toDeliveryView(delivery))
    },
  )

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      config: { access: 'read:webhooks' },
      schema: {
        summary: "An endpoint's deliveries, newest first",
        tags,
        params: idParamsSchema,
        querystring: listDeliveriesQuerySchema,
        response: { 200: deliveryPageSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      const { rows, total } = await listDeliveries(prisma, request.principal, request.params.id, request.query)
      return paginated(rows.map(toDeliveryView), request.query, total)
    },
  )

  app.get(
    '/webhook-deliveries/:id',
    {
      config: { access: 'read:webhooks' },
      schema: {
        summary: 'One webhook delivery: payload, status, attempts, last answer',
        tags,
        params: idParamsSchema,
        response: { 200: deliverySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => toDeliveryView(await getDelivery(prisma, request.principal, request.params.id)),
  )

  app.post(
    '/webhook-deliveries/:id/redeliver',
    {
      config: { access: 'write:webhooks', audit: { action: 'CREATE', resource: 'webhook_delivery' } },
      schema: {
        summary: 'Send a finished delivery again',
        description:
          'Creates a new PENDING delivery with the same payload (so the same webhook-id, which receivers dedupe on); ' +
          'the original keeps its attempts. 409 while the original is still PENDING or RETRYING. An inactive ' +
          "endpoint's copy waits until the endpoint is active again.",
        tags,
        params: idParamsSchema,
        response: { 202: deliverySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const delivery = await redeliver(prisma, request.principal, request.params.id)
      request.audit.resourceId = delivery.id
      request.audit.newValues = { redeliveryOf: request.params.id, webhookEndpointId: delivery.webhookEndpointId, event: delivery.event }
      wakeWorker()
      return reply.code(202).send(toDeliveryView(delivery))
    },
  )
}

export default webhookEndpointRoutes
