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
import { Backoff, Wakeup, sleep } from '../ingest/timing.js'
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
  private readonly wakeup = new Wakeup()
  // Aborted by stop(): ends waits at once.
  private readonly stopped = new AbortController()
  // Aborted when stop()'s grace runs out: cuts sends in flight short.
  private readonly aborter = new AbortController()
  private readonly agent: Agent
  private readonly now: () => Date
  private readonly pollIntervalMs: number
  private readonly batchSize: number
  private loop: Promise<void> | null = null
  private stopping = false
  private timer: { at: number; handle: NodeJS.Timeout } | null = null

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.now = options.now ?? (() => new Date())
    this.pollIntervalMs = options.pollIntervalMs ?? 1000
    this.batchSize = options.batchSize ?? 10
    this.agent = createDeliveryAgent({ production: options.nodeEnv === 'production', resolve: options.resolve })
  }

  start(): void {
    this.loop ??= this.run()
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.wakeup.wake()
  }

  /**
   * Stops polling at once, lets sends in flight finish for up to shutdownGraceMs, then cuts
   * the rest short and gives them back to the queue untried.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop ?? undefined
    this.stopping = true
    this.stopped.abort()
    if (this.timer) clearTimeout(this.timer.handle)
    this.wakeup.wake()
    const graceMs = this.options.shutdownGraceMs ?? 5000
    const grace = setTimeout(() => this.aborter.abort(), graceMs)
    // A claim stuck on an unreachable database must not hold the shutdown: its transaction
    // ends with the connection, and the lease returns anything it held to the queue.
    let giveUp: NodeJS.Timeout | undefined
    const patience = new Promise<void>((resolve) => {
      giveUp = setTimeout(resolve, graceMs + 1000)
    })
    try {
      await Promise.race([this.loop, patience])
    } finally {
      clearTimeout(grace)
      clearTimeout(giveUp)
      await this.agent.destroy().catch(() => {})
    }
  }

  /** Claims one batch of due deliveries and sends them; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await claimDueDeliveries(this.options.prisma, this.now(), this.batchSize)
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)))
    if (this.options.metrics) this.options.metrics.outboundDue.set(await countDueDeliveries(this.options.prisma, this.now()))
    return claimed.length
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 30_000)
    while (!this.stopping) {
      let claimed = 0
      try {
        claimed = await this.runOnce()
        backoff.reset()
      } catch (err) {
        // The database is away or refused the claim: say so once per failure, wait, try again.
        const wait = backoff.next()
        this.options.logger.warn({ err: errorMessage(err), retryInMs: wait }, 'outbound webhooks: polling the delivery queue failed')
        await sleep(wait, this.stopped.signal)
        continue
      }
      // A full batch means more may be due: go on without waiting.
      if (claimed < this.batchSize && !this.stopping) await this.wakeup.wait(this.pollIntervalMs)
    }
  }

  /** Wakes the loop at `at` (a retry due before the next poll). */
  private wakeAt(at: Date): void {
    const when = at.getTime()
    if (this.stopping || (this.timer !== null && this.timer.at <= when)) return
    if (this.timer) clearTimeout(this.timer.handle)
    const handle = setTimeout(() => {
      this.timer = null
      this.wakeup.wake()
    }, Math.max(0, when - this.now().getTime()))
    handle.unref()
    this.timer = { at: when, handle }
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
        signal: this.aborter.signal,
      })
      this.options.metrics?.outboundDeliveryDuration.observe((performance.now() - sendStarted) / 1000)
    } catch (err) {
      result = { httpStatus: null, responseBody: null, error: `refused target: ${errorMessage(err)}`, forbidden: true }
    }
    try {
      if (this.aborter.signal.aborted && result.httpStatus === null) {
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
      if (record.status === 'RETRYING' && recorded) this.wakeAt(record.nextRetryAt!)
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
