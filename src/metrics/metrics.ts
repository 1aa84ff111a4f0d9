import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The Twilio REST operations did-edge makes: the whole label vocabulary of the Twilio metrics. */
export const TWILIO_OPERATIONS = ['search', 'price_list', 'buy', 'fetch', 'update', 'release', 'list'] as const
export type TwilioOperation = (typeof TWILIO_OPERATIONS)[number]

export const OUTBOUND_DELIVERY_STATUSES = ['delivered', 'failed', 'retrying', 'abandoned'] as const

/** Connections of the database pool, read when Prometheus scrapes. */
export interface PoolStats {
  inUse: number
  idle: number
  waiting: number
  max: number
}

/**
 * Every metric did-edge exports, on one registry per app (two apps in one process, as in the
 * tests, do not collide). Labels are bounded vocabularies only: endpoint ids, outcomes,
 * actions, reasons, layers, statuses. Never a phone number, a URL with ids, or a user id.
 */
export function createMetrics() {
  const registry = new Registry()
  // Event-loop lag (nodejs_eventloop_lag_seconds), heap (nodejs_heap_size_used_bytes), GC
  // (nodejs_gc_duration_seconds), CPU (process_cpu_seconds_total), file descriptors, ...
  collectDefaultMetrics({ register: registry })
  // The GC histogram has samples only once a collection was observed; zero its kinds so the
  // series exist from the first scrape (dashboards and alerts then see 0, not "no data").
  const gc = registry.getSingleMetric('nodejs_gc_duration_seconds')
  if (gc instanceof Histogram) for (const kind of ['minor', 'major', 'incremental', 'weakcb']) gc.zero({ kind })

  // Read at scrape time from whatever pool the process opened (set by setDbPool).
  let poolStats: (() => PoolStats) | undefined

  // Webhook answers are sub-millisecond; buckets start at 50 µs so the histogram resolves them.
  const fastBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

  const metrics = {
    registry,

    /** Reports this pool in did_edge_db_pool_*; the gauges read it at every scrape. */
    setDbPool(stats: () => PoolStats): void {
      poolStats = stats
    },

    // Webhooks
    webhookRequests: new Counter({
      name: 'did_edge_webhook_requests_total',
      help: 'Twilio webhook requests by endpoint and outcome',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'did_edge_webhook_duration_seconds',
      help: 'Server time to answer a Twilio webhook, by endpoint and outcome',
      labelNames: ['endpoint', 'outcome'] as const,
      buckets: fastBuckets,
      registers: [registry],
    }),
    routingDecisions: new Counter({
      name: 'did_edge_routing_decisions_total',
      help: 'Routing decisions by channel, action and reason',
      labelNames: ['channel', 'action', 'reason'] as const,
      registers: [registry],
    }),
    signatureFailures: new Counter({
      name: 'did_edge_webhook_signature_failures_total',
      help: 'Twilio webhook requests refused for a missing or wrong signature',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    safeDefaults: new Counter({
      name: 'did_edge_webhook_safe_default_total',
      help: 'Answers that fell back to the safe default or the last known good configuration, by cause',
      labelNames: ['endpoint', 'cause'] as const,
      registers: [registry],
    }),
    fallbackRequests: new Counter({
      name: 'did_edge_webhook_fallback_requests_total',
      help: "Requests to the Fallback URL (Twilio could not use did-edge's first answer)",
      labelNames: ['answer'] as const,
      registers: [registry],
    }),

    // Configuration cache
    cacheLookups: new Counter({
      name: 'did_edge_config_cache_lookups_total',
      help: 'Configuration cache lookups by layer (memory, redis, database) and result (hit, miss, negative, error)',
      labelNames: ['layer', 'result'] as const,
      registers: [registry],
    }),
    cacheInvalidations: new Counter({
      name: 'did_edge_config_cache_invalidations_total',
      help: 'Configuration invalidations by origin (local, remote)',
      labelNames: ['origin'] as const,
      registers: [registry],
    }),
    cacheEntries: new Gauge({
      name: 'did_edge_config_cache_entries',
      help: 'Numbers held in the in-process configuration cache, by kind (compiled, negative)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),

    // Ingest pipeline
    ingestEvents: new Counter({
      name: 'did_edge_ingest_events_total',
      help: 'Events through the ingest pipeline by kind and stage (enqueued, written, duplicate, dropped, skipped)',
      labelNames: ['kind', 'stage'] as const,
      registers: [registry],
    }),
    ingestQueueDepth: new Gauge({
      name: 'did_edge_ingest_queue_depth',
      help: 'Events waiting, by place (memory: in-process queue or buffer while Redis is away; stream: Redis stream length)',
      labelNames: ['place'] as const,
      registers: [registry],
    }),
    ingestLag: new Gauge({
      name: 'did_edge_ingest_lag_seconds',
      help: 'Age of the oldest event in the last batch written',
      registers: [registry],
    }),
    ingestBatchSize: new Histogram({
      name: 'did_edge_ingest_batch_size',
      help: 'Events per batch written to the database',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    ingestWriteFailures: new Counter({
      name: 'did_edge_ingest_write_failures_total',
      help: 'Batches that failed to write (they are retried)',
      registers: [registry],
    }),
    ingestPending: new Gauge({
      name: 'did_edge_ingest_stream_pending',
      help: 'Stream entries delivered to a consumer but not yet acknowledged',
      registers: [registry],
    }),
    ingestReclaimed: new Counter({
      name: 'did_edge_ingest_stream_reclaimed_total',
      help: 'Stream entries claimed from consumers that stopped',
      registers: [registry],
    }),

    // Management API (/api/v1). `route` is the route template (/api/v1/numbers/:id), or
    // `unmatched` for a path no route serves: never a concrete id.
    apiRequests: new Counter({
      name: 'did_edge_api_requests_total',
      help: 'Management API requests by route template, method and status class',
      labelNames: ['route', 'method', 'status_class'] as const,
      registers: [registry],
    }),
    apiDuration: new Histogram({
      name: 'did_edge_api_request_duration_seconds',
      help: 'Server time to answer a management API request, by route template and method',
      labelNames: ['route', 'method'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    apiErrors: new Counter({
      name: 'did_edge_api_errors_total',
      help: 'Management API error answers (4xx and 5xx) by route template and error code (VALIDATION_FAILED, NOT_FOUND, ...)',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),

    // Outbound webhooks
    outboundDeliveries: new Counter({
      name: 'did_edge_outbound_deliveries_total',
      help: 'Outbound webhook delivery attempts by status (delivered, failed, retrying, abandoned)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    outboundRetries: new Counter({
      name: 'did_edge_outbound_retries_total',
      help: 'Outbound webhook deliveries scheduled for another attempt',
      registers: [registry],
    }),
    outboundDeliveryDuration: new Histogram({
      name: 'did_edge_outbound_delivery_duration_seconds',
      help: "Time for a subscriber's endpoint to answer one outbound webhook delivery",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    outboundDue: new Gauge({
      name: 'did_edge_outbound_due',
      help: 'Outbound webhook deliveries due and not yet sent',
      registers: [registry],
    }),

    // Twilio REST API
    twilioRequests: new Counter({
      name: 'did_edge_twilio_requests_total',
      help: 'Twilio REST API calls by operation (search, price_list, buy, update, release, list) and outcome (success, error)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    twilioDuration: new Histogram({
      name: 'did_edge_twilio_request_duration_seconds',
      help: 'Time Twilio took to answer a REST API call, by operation',
      labelNames: ['operation'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    }),

    // Database pool
    dbPoolConnections: new Gauge({
      name: 'did_edge_db_pool_connections',
      help: 'Database pool connections by state (in_use, idle, waiting: requests queued for a connection)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const stats = poolStats?.()
        if (stats === undefined) return
        this.set({ state: 'in_use' }, stats.inUse)
        this.set({ state: 'idle' }, stats.idle)
        this.set({ state: 'waiting' }, stats.waiting)
      },
    }),
    dbPoolMax: new Gauge({
      name: 'did_edge_db_pool_max',
      help: 'Most connections the database pool opens (DATABASE_POOL_MAX)',
      registers: [registry],
      collect() {
        const stats = poolStats?.()
        if (stats !== undefined) this.set(stats.max)
      },
    }),
  }

  // Series of a fixed vocabulary start at 0, so rate() and alerts see them before the first event.
  for (const status of OUTBOUND_DELIVERY_STATUSES) metrics.outboundDeliveries.inc({ status }, 0)
  for (const operation of TWILIO_OPERATIONS) {
    metrics.twilioRequests.inc({ operation, outcome: 'success' }, 0)
    metrics.twilioRequests.inc({ operation, outcome: 'error' }, 0)
    metrics.twilioDuration.zero({ operation })
  }
  return metrics
}

export type Metrics = ReturnType<typeof createMetrics>

/**
 * Serves the registry at GET /metrics on its own port (METRICS_PORT), apart from the public
 * listener; anything else is a 404. Resolves once listening; close the server on shutdown.
 */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
    )
  })
  server.listen(port, host)
  await once(server, 'listening')
  return server
}

/** Stops the metrics listener, ending idle keep-alive connections (a scraper's) so it closes at once. */
export async function closeMetricsServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
  server.closeIdleConnections()
  await closed
}
