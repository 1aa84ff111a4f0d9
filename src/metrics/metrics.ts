import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Every metric did-edge exports, on one registry per app (two apps in one process, as in the
 * tests, do not collide). Labels are bounded vocabularies only: endpoint ids, outcomes,
 * actions, reasons, layers, statuses. Never a phone number, a URL with ids, or a user id.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  // Webhook answers are sub-millisecond; buckets start at 50 µs so the histogram resolves them.
  const fastBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

  const metrics = {
    registry,

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
  }
  return metrics
}

export type Metrics = ReturnType<typeof createMetrics>
