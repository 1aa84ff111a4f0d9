import { randomUUID } from 'node:crypto'
import { type AccessMode, ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { conflict, notFound, validationFailed } from '../../errors.js'
import type { Prisma, PrismaClient, WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.js'
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type WebhookRetryPolicy } from '../../outbound/retry-policy.js'
import { generateWebhookSecret } from '../../outbound/signature.js'
import { assertAllowedWebhookUrl, ForbiddenTargetError, type NodeEnv, type ResolveAll } from '../../outbound/ssrf-guard.js'
import { pageWindow } from '../pagination.js'
import type {
  CreateEndpointInput,
  ListDeliveriesQuery,
  ListEndpointsQuery,
  RetryPolicyInput,
  UpdateEndpointInput,
} from './schemas.js'

/** Where the URL rules come from: the environment (and, for tests of production, the resolver). */
export interface UrlRules {
  nodeEnv: NodeEnv
  resolve?: ResolveAll
}

async function checkedUrl(url: string, rules: UrlRules): Promise<string> {
  try {
    return (await assertAllowedWebhookUrl(url, rules)).href
  } catch (err) {
    if (err instanceof ForbiddenTargetError) throw validationFailed(`url: ${err.message}`, [{ path: 'url', message: err.message }])
    throw err
  }
}

function mergedPolicy(base: WebhookRetryPolicy, input: RetryPolicyInput | undefined): WebhookRetryPolicy {
  const policy = { ...base, ...input }
  if (policy.maxDelay < policy.initialDelay) {
    const message = `must not be less than initialDelay (${policy.initialDelay} ms)`
    throw validationFailed(`retryPolicy.maxDelay: ${message}`, [{ path: 'retryPolicy.maxDelay', message }])
  }
  return policy
}

/** Creates an endpoint of the caller's; the answer (and only it) carries the secret. */
export async function createEndpoint(
  prisma: PrismaClient,
  principal: Principal,
  input: CreateEndpointInput,
  rules: UrlRules,
): Promise<WebhookEndpoint> {
  const url = await checkedUrl(input.url, rules)
  const retryPolicy = mergedPolicy({ ...DEFAULT_RETRY_POLICY, retryOn: [...DEFAULT_RETRY_POLICY.retryOn] }, input.retryPolicy)
  return prisma.webhookEndpoint.create({
    data: {
      userId: principal.user.id,
      url,
      events: input.events,
      retryPolicy: retryPolicy as unknown as Prisma.InputJsonValue,
      // The secret signs deliveries, so it is kept as is (a hash could not sign); it leaves
      // the server only in the creation answer. Not encrypted with a key derived from
      // JWT_SECRET: in development that key is generated per run (the embedded database
      // outlives it), and rotating it would silently break every endpoint's signatures.
      secret: generateWebhookSecret(),
      ...(input.timeout !== undefined && { timeout: input.timeout }),
      ...(input.isActive !== undefined && { isActive: input.isActive }),
    },
  })
}

/** An endpoint the principal may read (or, with 'write', change), or NOT_FOUND. */
export async function getEndpoint(prisma: PrismaClient, principal: Principal, id: string, mode: AccessMode = 'read'): Promise<WebhookEndpoint> {
  const endpoint = await prisma.webhookEndpoint.findFirst({ where: { id, ...ownedRows(principal, mode) } })
  if (endpoint === null) throw notFound('webhook endpoint')
  return endpoint
}

export async function listEndpoints(
  prisma: PrismaClient,
  principal: Principal,
  query: ListEndpointsQuery,
): Promise<{ rows: WebhookEndpoint[]; total: number }> {
  const where: Prisma.WebhookEndpointWhereInput = { ...ownedRows(principal, 'read') }
  if (query.isActive !== undefined) where.isActive = query.isActive
  if (query.event !== undefined) where.events = { has: query.event }
  const [rows, total] = await Promise.all([
    prisma.webhookEndpoint.findMany({ where, orderBy: [{ [query.sortBy]: query.sortOrder }, { id: query.sortOrder }], ...pageWindow(query) }),
    prisma.webhookEndpoint.count({ where }),
  ])
  return { rows, total }
}

/** Changes an endpoint; a new URL is checked as at creation, a retry policy merged onto the current one. */
export async function updateEndpoint(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  input: UpdateEndpointInput,
  rules: UrlRules,
): Promise<{ previous: WebhookEndpoint; row: WebhookEndpoint }> {
  const previous = await getEndpoint(prisma, principal, id, 'write')
  const data: Prisma.WebhookEndpointUpdateInput = {}
  if (input.url !== undefined) data.url = await checkedUrl(input.url, rules)
  if (input.events !== undefined) data.events = input.events
  if (input.retryPolicy !== undefined) {
    data.retryPolicy = mergedPolicy(resolveRetryPolicy(previous.retryPolicy), input.retryPolicy) as unknown as Prisma.InputJsonValue
  }
  if (input.timeout !== undefined) data.timeout = input.timeout
  if (input.isActive !== undefined) data.isActive = input.isActive
  const row = await prisma.webhookEndpoint.update({ where: { id: previous.id }, data })
  return { previous, row }
}

/** Deletes an endpoint and its deliveries (a send in flight finds its row gone and records nothing). */
export async function deleteEndpoint(prisma: PrismaClient, principal: Principal, id: string): Promise<WebhookEndpoint> {
  const endpoint = await getEndpoint(prisma, principal, id, 'write')
  await prisma.webhookEndpoint.delete({ where: { id: endpoint.id } })
  return endpoint
}

/** The event a test delivery carries: the enum has no ping, so a call start marked as a test. */
export const TEST_EVENT = 'CALL_STARTED' as const

/**
 * Queues a test delivery to one endpoint, whatever events it subscribes to: a CALL_STARTED
 * whose data is `{ test: true, ... }`, signed and retried like any other.
 */
export async function queueTestDelivery(prisma: PrismaClient, principal: Principal, id: string): Promise<WebhookDelivery> {
  const endpoint = await getEndpoint(prisma, principal, id, 'write')
  if (!endpoint.isActive) throw conflict('the endpoint is inactive: set isActive to true before testing it')
  const createdAt = new Date().toISOString()
  return prisma.webhookDelivery.create({
    data: {
      webhookEndpointId: endpoint.id,
      event: TEST_EVENT,
      payload: {
        id: `evt_${randomUUID().replaceAll('-', '')}`,
        event: TEST_EVENT,
        createdAt,
        data: { test: true, message: 'A test delivery from did-edge', webhookEndpointId: endpoint.id },
      },
    },
  })
}

const deliveryOf = (principal: Principal, mode: AccessMode) => ({ webhookEndpoint: ownedRows(principal, mode) })

export async function listDeliveries(
  prisma: PrismaClient,
  principal: Principal,
  endpointId: string,
  query: ListDeliveriesQuery,
): Promise<{ rows: WebhookDelivery[]; total: number }> {
  const endpoint = await getEndpoint(prisma, principal, endpointId, 'read')
  const where: Prisma.WebhookDeliveryWhereInput = { webhookEndpointId: endpoint.id }
  if (query.status !== undefined) where.status = { in: query.status }
  if (query.event !== undefined) where.event = query.event
  const [rows, total] = await Promise.all([
    prisma.webhookDelivery.findMany({ where, orderBy: [{ createdAt: query.sortOrder }, { id: query.sortOrder }], ...pageWindow(query) }),
    prisma.webhookDelivery.count({ where }),
  ])
  return { rows, total }
}

export async function getDelivery(prisma: PrismaClient, principal: Principal, id: string, mode: AccessMode = 'read'): Promise<WebhookDelivery> {
  const delivery = await prisma.webhookDelivery.findFirst({ where: { id, ...deliveryOf(principal, mode) } })
  if (delivery === null) throw notFound('webhook delivery')
  return delivery
}

/**
 * Sends a finished delivery again as a new delivery (a copy: the original keeps its history of
 * attempts). The copy carries the same payload, so the same webhook-id: a receiver that did
 * process the first one recognises the repeat. A delivery still queued is refused (409): it is
 * going to be sent anyway, and a copy would send it twice.
 */
export async function redeliver(prisma: PrismaClient, principal: Principal, id: string): Promise<WebhookDelivery> {
  const original = await getDelivery(prisma, principal, id, 'write')
  if (original.status === 'PENDING' || original.status === 'RETRYING') {
    throw conflict(`the delivery is still ${original.status}: it will be sent without a redelivery`)
  }
  return prisma.webhookDelivery.create({
    data: { webhookEndpointId: original.webhookEndpointId, event: original.event, payload: original.payload as Prisma.InputJsonValue },
  })
}
