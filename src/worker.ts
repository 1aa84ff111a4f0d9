// `npm run worker`: an ingest consumer without the HTTP server. Reads the Redis event stream
// as a member of the consumer group `ingest` and writes to Postgres; run as many as the
// write load needs, next to (or instead of) the servers' own consumers (INGEST_CONSUMER).
//
// SIGTERM / SIGINT: stop reading, finish and acknowledge the batch in flight, close, exit 0.
import { pino } from 'pino'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { openDatabase } from './db/database.js'
import { createIngestPipeline } from './ingest/pipeline.js'
import { redactedPaths } from './logger.js'
import { closeMetricsServer, createMetrics, serveMetrics } from './metrics/metrics.js'

/** How long shutdown may take before the process gives up waiting and exits non-zero. */
const SHUTDOWN_DEADLINE_MS = 15_000

function fail(message: string): never {
  process.stderr.write(`did-edge worker: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  let config: AppConfig
  try {
    config = loadConfig(process.env, 'worker')
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  const redisUrl = config.redisUrl
  if (redisUrl === undefined) fail('REDIS_URL is required: the worker consumes the Redis event stream')

  const logger = pino({ level: config.logLevel, redact: { paths: redactedPaths, censor: '[redacted]' } })
  const db = await openDatabase({ databaseUrl: config.database.url, poolMax: config.database.poolMax, dataDir: config.database.dataDir })
  if (config.migrateOnStart) {
    const applied = await db.migrate()
    if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} migration(s)`)
  }
  const metrics = createMetrics()
  metrics.setDbPool(() => db.poolStats())
  const pipeline = createIngestPipeline({
    prisma: db.prisma,
    metrics,
    logger,
    rateCard: config.rateCard,
    redis: { url: redisUrl, keyPrefix: config.redisKeyPrefix },
    consumer: true,
  })
  await pipeline.start()
  // The worker has no HTTP server of its own: with METRICS_PORT its registry (ingest, pool,
  // process) is served on that port for Prometheus; without, it exports nothing.
  const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort, config.host)
  logger.info(
    {
      consumer: pipeline.consumerName,
      stream: `${config.redisKeyPrefix}ingest:events`,
      ...(config.metricsPort !== undefined && { metrics: `${config.host}:${config.metricsPort}/metrics` }),
    },
    'did-edge worker consuming the ingest stream',
  )

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: finishing the batch in flight')
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting anyway (unacknowledged entries stay in the stream)')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    pipeline
      .close()
      .then(() => (metricsServer === undefined ? undefined : closeMetricsServer(metricsServer)))
      .then(() => db.close())
      .then(
        () => {
          logger.info('shutdown complete')
          process.exit(0)
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err: unknown) => {
  fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`)
})
