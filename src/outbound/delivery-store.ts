// The delivery worker's reads and writes of webhook_deliveries and webhook_endpoints.
//
// Claiming is what makes deliveries survive restarts and go out once with several instances:
// one statement picks due rows with FOR UPDATE SKIP LOCKED (instances never wait on, nor
// take, each other's rows), counts the attempt and pushes next_retry_at forward by a lease
// longer than any send can take. The row stays PENDING/RETRYING: if the instance dies
// mid-send, the lease runs out and any instance takes the delivery again. The attempt number
// taken by the claim fences the write of its outcome, so a sender that outlived its lease
// cannot overwrite the newer attempt's result.
import { Prisma, type DeliveryStatus, type PrismaClient, type WebhookEvent } from '../generated/prisma/client.js'
import { isoTimestampSql } from '../events/domain-events.js'
import { createNotification } from '../notifications/notify.js'
import { resolveRetryPolicy, type WebhookRetryPolicy } from './retry-policy.js'

/** The JSON body of a delivery, as queued by src/events/domain-events.ts. */
export interface WebhookPayload {
  id: string
  event: WebhookEvent
  createdAt: string
  data: unknown
}

export interface ClaimedDelivery {
  id: string
  /** This attempt's number (1 = the first). */
  attempt: number
  payload: WebhookPayload
  endpoint: {
    id: string
    userId: string
    url: string
    secret: string
    /** Seconds. */
    timeout: number
    retryPolicy: WebhookRetryPolicy
  }
}

interface ClaimRow {
  id: string
  attempt_count: number
  payload: unknown
  endpoint_id: string
  user_id: string
  url: string
  secret: string
  timeout: number
  retry_policy: unknown
}

/** Seconds a claim holds a delivery beyond its endpoint's timeout (twice: headers, then body). */
const LEASE_MARGIN_SECONDS = 30

/** Claims up to `limit` due deliveries of active endpoints; see the file comment. */
/** Deliveries due now and not yet claimed: the backlog the did_edge_outbound_due gauge shows. */
export function countDueDeliveries(prisma: PrismaClient, at: Date): Promise<number> {
  return prisma.webhookDelivery.count({
    where: { status: { in: ['PENDING', 'RETRYING'] }, OR: [{ nextRetryAt: null }, { nextRetryAt: { lte: at } }] },
  })
}

export async function claimDueDeliveries(prisma: PrismaClient, now: Date, limit: number): Promise<ClaimedDelivery[]> {
  const at = now.toISOString()
  const rows = await prisma.$queryRaw<ClaimRow[]>`
    WITH due AS (
      SELECT d.id
      FROM webhook_deliveries d
      JOIN webhook_endpoints w ON w.id = d.webhook_endpoint_id
      WHERE d.status IN ('PENDING', 'RETRYING')
        AND (d.next_retry_at IS NULL OR d.next_retry_at <= ${at}::timestamp(3))
        AND w.is_active
      ORDER BY COALESCE(d.next_retry_at, d.created_at), d.id
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET
      attempt_count = d.attempt_count + 1,
      next_retry_at = ${at}::timestamp(3) + make_interval(secs => w.timeout * 2 + ${LEASE_MARGIN_SECONDS}),
      updated_at = ${at}::timestamp(3)
    FROM due, webhook_endpoints w
    WHERE d.id = due.id AND w.id = d.webhook_endpoint_id
    RETURNING d.id, d.attempt_count, d.payload, w.id AS endpoint_id, w.user_id, w.url, w.secret, w.timeout, w.retry_policy`
  return rows.map((r) => ({
    id: r.id,
    attempt: r.attempt_count,
    payload: r.payload as WebhookPayload,
    endpoint: {
      id: r.endpoint_id,
      userId: r.user_id,
      url: r.url,
      secret: r.secret,
      timeout: r.timeout,
      retryPolicy: resolveRetryPolicy(r.retry_policy),
    },
  }))
}

export interface AttemptRecord {
  status: Extract<DeliveryStatus, 'DELIVERED' | 'RETRYING' | 'FAILED' | 'ABANDONED'>
  at: Date
  httpStatus: number | null
  responseBody: string | null
  errorMessage: string | null
  nextRetryAt: Date | null
}

/** Failing this long without a single success disables an endpoint. */
export const DISABLE_AFTER_MS = 24 * 60 * 60 * 1000

/**
 * Writes an attempt's outcome and the endpoint's counters in one transaction; disables the
 * endpoint (with a notification to its owner) when it has failed for DISABLE_AFTER_MS.
 * Returns false when the claim was no longer ours (the delivery was deleted, or its lease ran
 * out and another attempt took it): then nothing is written.
 */
export async function recordAttempt(
  prisma: PrismaClient,
  claimed: ClaimedDelivery,
  outcome: AttemptRecord,
): Promise<{ recorded: boolean; endpointDisabled: boolean }> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id: claimed.id, attemptCount: claimed.attempt, status: { in: ['PENDING', 'RETRYING'] } },
      data: {
        status: outcome.status,
        httpStatus: outcome.httpStatus,
        responseBody: outcome.responseBody,
        errorMessage: outcome.errorMessage,
        nextRetryAt: outcome.nextRetryAt,
        ...(outcome.status === 'DELIVERED' && { deliveredAt: outcome.at }),
      },
    })
    if (count === 0) return { recorded: false, endpointDisabled: false }
    const delivered = outcome.status === 'DELIVERED'
    await tx.webhookEndpoint.updateMany({
      where: { id: claimed.endpoint.id },
      data: {
        lastDeliveryAt: outcome.at,
        lastStatus: outcome.status,
        ...(delivered ? { deliveryCount: { increment: 1 } } : { failureCount: { increment: 1 } }),
      },
    })
    if (delivered) return { recorded: true, endpointDisabled: false }
    return { recorded: true, endpointDisabled: await disableIfFailingTooLong(tx, claimed.endpoint.id, outcome.at) }
  })
}

/**
 * "Failing for 24 h": no delivery succeeded since the oldest delivery that has failed since
 * the last success was queued, and that was at least 24 h ago. Deliveries only PENDING (not
 * yet answered) do not count either way.
 */
async function disableIfFailingTooLong(tx: Prisma.TransactionClient, endpointId: string, at: Date): Promise<boolean> {
  // Compared in SQL: timestamp(3) columns hold UTC, and so does the cutoff string.
  const cutoff = new Date(at.getTime() - DISABLE_AFTER_MS).toISOString()
  const [row] = await tx.$queryRaw<{ failing_since: string | null; overdue: boolean | null }[]>`
    WITH last_success AS (
      SELECT max(delivered_at) AS at FROM webhook_deliveries
      WHERE webhook_endpoint_id = ${endpointId} AND status = 'DELIVERED'
    ), failing AS (
      SELECT min(d.created_at) AS since
      FROM webhook_deliveries d, last_success s
      WHERE d.webhook_endpoint_id = ${endpointId}
        AND d.status IN ('RETRYING', 'FAILED', 'ABANDONED')
        AND (s.at IS NULL OR d.created_at > s.at)
    )
    SELECT ${isoTimestampSql(Prisma.sql`since`)} AS failing_since, since <= ${cutoff}::timestamp(3) AS overdue FROM failing`
  if (row?.overdue !== true) return false
  const since = row.failing_since!
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id: endpointId } })
  if (endpoint === null || !endpoint.isActive) return false
  await tx.webhookEndpoint.update({ where: { id: endpointId }, data: { isActive: false } })
  await createNotification(tx, {
    userId: endpoint.userId,
    type: 'SYSTEM',
    priority: 'HIGH',
    category: 'webhooks',
    channels: ['IN_APP', 'EMAIL'],
    title: 'Webhook endpoint disabled',
    message:
      `Deliveries to ${endpoint.url} have failed for more than 24 hours, so the endpoint was disabled. ` +
      'Its queued deliveries wait; fix the receiver, then set isActive to true to resume them.',
    actionUrl: `/api/v1/webhook-endpoints/${endpointId}`,
    actionText: 'Review the endpoint',
    metadata: { webhookEndpointId: endpointId, failingSince: since, disabledAt: at.toISOString() },
  })
  return true
}

/**
 * Gives a claimed delivery back untried (the send was cut short by shutdown): the attempt is
 * not counted and the delivery is due at once, for this or any other instance.
 */
export async function releaseClaim(prisma: PrismaClient, claimed: ClaimedDelivery, now: Date): Promise<void> {
  await prisma.webhookDelivery.updateMany({
    where: { id: claimed.id, attemptCount: claimed.attempt, status: { in: ['PENDING', 'RETRYING'] } },
    data: { attemptCount: { decrement: 1 }, nextRetryAt: now },
  })
}
