// Sends queued webhook deliveries: claims due ones (delivery-store.ts), POSTs each signed
// (sender.ts), and records the outcome per the endpoint's retry policy (retry-policy.ts):
//   2xx                                   → DELIVERED
//   a status in retryOn, no answer at all → RETRYING after the policy's delay, or ABANDONED
//                                           once maxAttempts attempts were made
//   any other status, a refused target    → FAILED
// Every instance runs one; they share the work through the database alone.
import type { Agent } from 'undici'
import type { PrismaClient } from '../generated/prisma/client.js'
import type { Metrics } from '../metrics/metrics.js'
import { errorMessage, type IngestLogger } from '../ingest/logger.js'
import { OutboxLoop } from '../outbox/outbox-loop.js'
import { claimDueDeliveries, countDueDeliveries, recordAttempt, releaseClaim, type AttemptRecord, type ClaimedDelivery } from './delivery-store.js'
import { judgeAttempt, retryDelay } from './retry-policy.js'
import { createDeliveryAgent, sendDelivery } from './sender.js'
import { assertAllowedWebhookUrl, type NodeEnv, type ResolveAll } from './ssrf-guard.js'

export interface DeliveryWorkerOptions {
  prisma: PrismaClient
  logger: IngestLogger
  /** Production enforces https and public targets at delivery time too. */
  nodeEnv: NodeEnv
  /** How often the queue is polled when nothing woke the worker (ms, default 1000). */
  pollIntervalMs?: number
  /** Deliveries claimed, and sent concurrently, at a time (default 10). */
  batchSize?: number
  /** How long stop() lets sends in flight finish before cutting them short (ms, default 5000). */
  shutdownGraceMs?: number
  /** The clock of scheduling and of webhook-timestamp (default: the system clock). */
  now?: () => Date
  /** Jitter's randomness (default Math.random). */
  random?: () => number
  /** Host name resolution for the production SSRF guard (default dns.lookup). */
  resolve?: ResolveAll
  /** Where deliveries, retries, send times and the due backlog are counted. */
  metrics?: Pick<Metrics, 'outboundDeliveries' | 'outboundRetries' | 'outboundDeliveryDuration' | 'outboundDue'>
}

export class DeliveryWorker {
  private readonly loop: OutboxLoop
  private readonly agent: Agent
  private readonly now: () => Date
  private readonly batchSize: number

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.now = options.now ?? (() => new Date())
    this.batchSize = options.batchSize ?? 10
    this.agent = createDeliveryAgent({ production: options.nodeEnv === 'production', resolve: options.resolve })
    const { pollIntervalMs, shutdownGraceMs, logger } = options
    const loop = { batchSize: this.batchSize, now: this.now, pollIntervalMs, shutdownGraceMs, logger }
    this.loop = new OutboxLoop({ ...loop, runOnce: () => this.runOnce(), pollFailure: 'outbound webhooks: polling the delivery queue failed' })
  }

  start(): void {
    this.loop.start()
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.loop.wake()
  }

  /**
   * Stops polling at once, lets sends in flight finish for up to shutdownGraceMs, then cuts
   * the rest short and gives them back to the queue untried.
   */
  async stop(): Promise<void> {
    await this.loop.stop(() => this.agent.destroy())
  }

  /** Claims one batch of due deliveries and sends them; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await claimDueDeliveries(this.options.prisma, this.now(), this.batchSize)
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)))
    if (this.options.metrics) this.options.metrics.outboundDue.set(await countDueDeliveries(this.options.prisma, this.now()))
    return claimed.length
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { endpoint } = delivery
    let result
    try {
      // The URL was checked when saved; in production its host is checked again now, since
      // what a name resolves to can change (and the connection's own lookup checks once more).
      await assertAllowedWebhookUrl(endpoint.url, { nodeEnv: this.options.nodeEnv, resolve: this.options.resolve })
      const sendStarted = performance.now()
      result = await sendDelivery({
        dispatcher: this.agent,
        url: endpoint.url,
        secret: endpoint.secret,
        payload: delivery.payload,
        timeoutSeconds: endpoint.timeout,
        timestampSeconds: Math.floor(this.now().getTime() / 1000),
        signal: this.loop.cutShort,
      })
      this.options.metrics?.outboundDeliveryDuration.observe((performance.now() - sendStarted) / 1000)
    } catch (err) {
      result = { httpStatus: null, responseBody: null, error: `refused target: ${errorMessage(err)}`, forbidden: true }
    }
    try {
      if (this.loop.cutShort.aborted && result.httpStatus === null) {
        await releaseClaim(this.options.prisma, delivery, this.now())
        return
      }
      const at = this.now()
      const policy = endpoint.retryPolicy
      const verdict = result.forbidden ? 'failed' : judgeAttempt(policy, result.httpStatus)
      const record: AttemptRecord = {
        status: verdict === 'delivered' ? 'DELIVERED' : verdict === 'failed' ? 'FAILED' : delivery.attempt >= policy.maxAttempts ? 'ABANDONED' : 'RETRYING',
        at,
        httpStatus: result.httpStatus,
        responseBody: result.responseBody,
        errorMessage:
          result.error ?? (verdict === 'delivered' ? null : `HTTP ${result.httpStatus}${verdict === 'failed' ? ' (not in retryOn)' : ''}`),
        nextRetryAt: null,
      }
      if (record.status === 'RETRYING') {
        record.nextRetryAt = new Date(at.getTime() + retryDelay(policy, delivery.attempt, this.options.random))
      }
      if (record.status === 'ABANDONED') record.errorMessage = `${record.errorMessage}; gave up after ${delivery.attempt} attempts`
      const { recorded, endpointDisabled } = await recordAttempt(this.options.prisma, delivery, record)
      if (recorded && this.options.metrics) {
        this.options.metrics.outboundDeliveries.inc({ status: record.status.toLowerCase() })
        if (delivery.attempt > 1) this.options.metrics.outboundRetries.inc()
      }
      if (record.status === 'RETRYING' && recorded) this.loop.wakeAt(record.nextRetryAt!)
      if (endpointDisabled) {
        this.options.logger.warn({ webhookEndpointId: endpoint.id }, 'outbound webhooks: endpoint failing for 24 h, disabled')
      }
      if (record.status !== 'DELIVERED') {
        this.options.logger.debug(
          { deliveryId: delivery.id, attempt: delivery.attempt, status: record.status, error: record.errorMessage },
          'outbound webhooks: attempt failed',
        )
      }
    } catch (err) {
      // The outcome could not be written: the lease runs out and the delivery is tried again
      // (receivers dedupe on webhook-id).
      this.options.logger.error({ err: errorMessage(err), deliveryId: delivery.id }, 'outbound webhooks: recording an attempt failed')
    }
  }
}
