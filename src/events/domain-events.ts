import { Prisma, type Notification, type NotificationChannel, type PrismaClient, type WebhookEvent } from '../generated/prisma/client.js'
import { createNotification, type NewNotification } from '../notifications/notify.js'

/**
 * The outbox of did-edge's outbound webhooks. Whatever happens to a user's resources (a call
 * completed, a number bought, an invoice paid) is recorded here, in the caller's transaction
 * when it has one, as one PENDING WebhookDelivery per active endpoint of that user subscribed
 * to the event. Recording is therefore atomic with the change it reports; sending is the
 * delivery worker's job (src/outbound/delivery-worker.ts), so no request ever waits on a
 * customer's server.
 *
 * Each delivery's payload is the JSON body sent, `{ id, event, createdAt, data }`. `id` is
 * the Standard Webhooks `webhook-id`: one per delivery (per event and endpoint), kept across
 * retries and redeliveries, so receivers dedupe on it.
 */
export interface DomainEvent {
  userId: string
  event: WebhookEvent
  /** The event's subject, as JSON (ids, numbers, amounts as strings). */
  data: Record<string, unknown>
  occurredAt?: Date
}

type Db = PrismaClient | Prisma.TransactionClient

/** SQL: a `timestamp(3)` (UTC, as Prisma stores instants) as an ISO 8601 string with Z. */
export function isoTimestampSql(expression: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`to_char(${expression}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

/** SQL: the current instant as a `timestamp(3)` in UTC, whatever the session's time zone. */
export const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')::timestamp(3)`

/**
 * SQL that queues the events a query yields: `source` is a SELECT whose rows are
 * `(user_id text, event webhook_event, occurred_at timestamp(3), data jsonb)`. One delivery per
 * row and active endpoint of that user subscribed to the event; none for users without one,
 * which costs one index probe of webhook_endpoints per event. Usable as a statement of its
 * own or inside a WITH (the ingest writers queue from their INSERT/UPDATE ... RETURNING, so
 * a batch records its events in the statements that write it).
 */
export function queueDeliveriesSql(source: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO webhook_deliveries (id, webhook_endpoint_id, event, payload, status, attempt_count, created_at, updated_at)
    SELECT
      gen_random_uuid()::text, w.id, e.event,
      jsonb_build_object(
        'id', 'evt_' || replace(gen_random_uuid()::text, '-', ''),
        'event', e.event,
        'createdAt', ${isoTimestampSql(Prisma.sql`e.occurred_at`)},
        'data', e.data),
      'PENDING', 0, ${NOW_UTC}, ${NOW_UTC}
    FROM (${source}) AS e(user_id, event, occurred_at, data)
    JOIN webhook_endpoints w ON w.user_id = e.user_id AND w.is_active AND e.event = ANY (w.events)`
}

/** Records `event` for delivery; returns how many deliveries were queued. */
export async function recordDomainEvent(db: Db, event: DomainEvent): Promise<number> {
  const occurredAt = (event.occurredAt ?? new Date()).toISOString()
  // JSON.stringify gives Decimals and Dates their API form (strings).
  const data = JSON.stringify(event.data)
  return db.$executeRaw(
    queueDeliveriesSql(
      Prisma.sql`SELECT ${event.userId}::text, ${event.event}::webhook_event, ${occurredAt}::timestamp(3), ${data}::jsonb`,
    ),
  )
}

/**
 * Records an event and leaves its owner a notification about it, in one go (pass the
 * transaction of the change): the notification's channels say where it went, IN_APP always
 * and WEBHOOK when at least one of the user's endpoints is subscribed to the event.
 */
export async function recordDomainEventWithNotification(
  db: Db,
  event: DomainEvent,
  notification: Omit<NewNotification, 'userId' | 'channels'>,
): Promise<{ deliveries: number; notification: Notification }> {
  const deliveries = await recordDomainEvent(db, event)
  const channels: NotificationChannel[] = deliveries > 0 ? ['IN_APP', 'WEBHOOK'] : ['IN_APP']
  return { deliveries, notification: await createNotification(db, { ...notification, userId: event.userId, channels }) }
}
