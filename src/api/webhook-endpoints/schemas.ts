import { z } from 'zod'
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.js'
import { resolveRetryPolicy, retryPolicyFields } from '../../outbound/retry-policy.js'
import { listParam, paginatedSchema, paginationQuery, queryBoolean } from '../pagination.js'

export const webhookEventSchema = z.enum([
  'CALL_STARTED',
  'CALL_ANSWERED',
  'CALL_COMPLETED',
  'CALL_FAILED',
  'SMS_RECEIVED',
  'SMS_SENT',
  'SMS_DELIVERED',
  'SMS_FAILED',
  'NUMBER_PURCHASED',
  'NUMBER_RELEASED',
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
  'INVOICE_CREATED',
  'INVOICE_PAID',
])

export const deliveryStatusSchema = z.enum(['PENDING', 'DELIVERED', 'FAILED', 'RETRYING', 'ABANDONED'])

export const idParamsSchema = z.object({ id: z.string().min(1) })

const eventsSchema = z
  .array(webhookEventSchema)
  .min(1, 'at least one event')
  .refine((events) => new Set(events).size === events.length, 'must not repeat an event')

/** The seed's WebhookRetryPolicy; fields left out keep their current (or default) value. */
export const retryPolicyInputSchema = z
  .strictObject({
    maxAttempts: retryPolicyFields.maxAttempts.optional().describe('Attempts in all, the first included'),
    backoffStrategy: retryPolicyFields.backoffStrategy.optional(),
    initialDelay: retryPolicyFields.initialDelay.optional().describe('Milliseconds before the first retry'),
    maxDelay: retryPolicyFields.maxDelay.optional().describe('Milliseconds no delay exceeds'),
    retryOn: retryPolicyFields.retryOn.optional().describe('HTTP statuses worth a retry; other non-2xx answers fail at once'),
  })
  .describe(
    'Defaults: 5 attempts, exponential from 1000 ms to 60000 ms, retry on 408, 429, 500, 502, 503, 504. ' +
      'Linear and exponential delays get equal jitter (between half and all of the delay). ' +
      'No answer at all (network error, timeout) is always retried.',
  )

export type RetryPolicyInput = z.infer<typeof retryPolicyInputSchema>

const urlSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .describe('https; plain http only to loopback outside production. In production the host must resolve to public addresses only.')

const timeoutSchema = z.number().int().min(1, 'must be at least 1 second').max(30, 'must be at most 30 seconds')

export const createEndpointBodySchema = z.strictObject({
  url: urlSchema,
  events: eventsSchema,
  retryPolicy: retryPolicyInputSchema.optional(),
  timeout: timeoutSchema.optional().describe('Seconds to wait for an answer (default 30)'),
  isActive: z.boolean().optional(),
})

export type CreateEndpointInput = z.infer<typeof createEndpointBodySchema>

export const updateEndpointBodySchema = z
  .strictObject({
    url: urlSchema.optional(),
    events: eventsSchema.optional(),
    retryPolicy: retryPolicyInputSchema.optional(),
    timeout: timeoutSchema.optional(),
    isActive: z.boolean().optional().describe('false pauses deliveries (they wait); true resumes them'),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')

export type UpdateEndpointInput = z.infer<typeof updateEndpointBodySchema>

const retryPolicySchema = z.object({
  maxAttempts: z.number().int(),
  backoffStrategy: retryPolicyFields.backoffStrategy,
  initialDelay: z.number().int(),
  maxDelay: z.number().int(),
  retryOn: z.array(z.number().int()),
})

export const endpointSchema = z.object({
  id: z.string(),
  userId: z.string(),
  url: z.string(),
  events: z.array(webhookEventSchema),
  isActive: z.boolean(),
  retryPolicy: retryPolicySchema,
  timeout: z.number().int(),
  lastDeliveryAt: z.iso.datetime().nullable().describe('When the last attempt was made'),
  lastStatus: z.string().nullable().describe("The last attempt's delivery status: DELIVERED, RETRYING, FAILED or ABANDONED"),
  deliveryCount: z.number().int().describe('Deliveries that succeeded'),
  failureCount: z.number().int().describe('Attempts that failed'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type EndpointView = z.infer<typeof endpointSchema>

export const createdEndpointSchema = endpointSchema.extend({
  secret: z
    .string()
    .describe('The signing secret (Standard Webhooks, whsec_ + base64). Shown only in this answer: store it now.'),
})

const listEndpointsPagination = paginationQuery(['createdAt', 'url'], 'createdAt')

export const listEndpointsQuerySchema = z.strictObject({
  ...listEndpointsPagination,
  isActive: queryBoolean.optional(),
  event: webhookEventSchema.optional().describe('Only endpoints subscribed to this event'),
})

export type ListEndpointsQuery = z.infer<typeof listEndpointsQuerySchema>

export const endpointPageSchema = paginatedSchema(endpointSchema)

export const deliverySchema = z.object({
  id: z.string(),
  webhookEndpointId: z.string(),
  event: webhookEventSchema,
  payload: z.unknown().describe('The JSON body sent: { id, event, createdAt, data }; id is the webhook-id header'),
  status: deliveryStatusSchema,
  attemptCount: z.number().int(),
  nextRetryAt: z.iso.datetime().nullable(),
  httpStatus: z.number().int().nullable(),
  responseBody: z.string().nullable().describe("The first 2 kB of the receiver's last answer"),
  errorMessage: z.string().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type DeliveryView = z.infer<typeof deliverySchema>

const { page, limit, sortOrder } = paginationQuery(['createdAt'], 'createdAt')

export const listDeliveriesQuerySchema = z.strictObject({
  page,
  limit,
  sortOrder,
  status: listParam(deliveryStatusSchema).describe('One or more statuses (repeated or comma-separated)'),
  event: webhookEventSchema.optional(),
})

export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>

export const deliveryPageSchema = paginatedSchema(deliverySchema)

const iso = (d: Date | null) => d?.toISOString() ?? null

export function toEndpointView(e: WebhookEndpoint): EndpointView {
  return {
    id: e.id,
    userId: e.userId,
    url: e.url,
    events: e.events,
    isActive: e.isActive,
    retryPolicy: resolveRetryPolicy(e.retryPolicy),
    timeout: e.timeout,
    lastDeliveryAt: iso(e.lastDeliveryAt),
    lastStatus: e.lastStatus,
    deliveryCount: e.deliveryCount,
    failureCount: e.failureCount,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  }
}

export function toDeliveryView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id,
    webhookEndpointId: d.webhookEndpointId,
    event: d.event,
    payload: d.payload,
    status: d.status,
    attemptCount: d.attemptCount,
    nextRetryAt: iso(d.nextRetryAt),
    httpStatus: d.httpStatus,
    responseBody: d.responseBody,
    errorMessage: d.errorMessage,
    deliveredAt: iso(d.deliveredAt),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  }
}
