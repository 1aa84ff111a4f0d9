import { randomUUID } from 'node:crypto'
import type { Prisma, PrismaClient, WebhookEvent } from '../generated/prisma/client.js'

/**
 * The outbox of did-edge's outbound webhooks. Whatever happens to a user's resources (a call
 * completed, a number bought, an invoice paid) is recorded here, in the caller's transaction
 * when it has one, as one PENDING WebhookDelivery per active endpoint of that user subscribed
 * to the event. Recording is therefore atomic with the change it reports; sending is the
 * delivery worker's job, so no request ever waits on a customer's server.
 */
export interface DomainEvent {
  userId: string
  event: WebhookEvent
  /** The event's subject, as JSON (ids, numbers, amounts as strings). */
  data: Record<string, unknown>
  occurredAt?: Date
}

type Db = PrismaClient | Prisma.TransactionClient

/** Records `event` for delivery; returns how many deliveries were queued. */
export async function recordDomainEvent(db: Db, event: DomainEvent): Promise<number> {
  const endpoints = await db.webhookEndpoint.findMany({
    where: { userId: event.userId, isActive: true, events: { has: event.event } },
    select: { id: true },
  })
  if (endpoints.length === 0) return 0
  const createdAt = (event.occurredAt ?? new Date()).toISOString()
  await db.webhookDelivery.createMany({
    data: endpoints.map((endpoint) => ({
      webhookEndpointId: endpoint.id,
      event: event.event,
      // Each delivery has its own id: it is the Standard Webhooks `webhook-id` receivers dedupe on.
      payload: { id: `evt_${randomUUID()}`, event: event.event, createdAt, data: event.data } as Prisma.InputJsonValue,
    })),
  })
  return endpoints.length
}
