import type { FastifyInstance } from 'fastify'

type CheckResult = 'ok' | 'not configured' | string

/** Rejects if `work` takes longer than `ms`, so one stuck dependency cannot hang the probe. */
async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err))

/**
 * Liveness says the process answers; readiness says it can do its job: the database answers,
 * its migrations are all applied, and Redis answers when one is configured. A failing part is
 * named in the 503 answer so the operator knows where to look.
 */
export default async function healthRoutes(app: FastifyInstance) {
  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get('/health/ready', async (_request, reply) => {
    const checks: Record<'database' | 'migrations' | 'redis', CheckResult> = {
      database: 'ok',
      migrations: 'ok',
      redis: 'not configured',
    }
    const database = withTimeout(app.db.ping(), 5000, 'database')
      .then(() => withTimeout(app.db.pendingMigrations(), 5000, 'database'))
      .then(
        (pending) => {
          if (pending.length > 0) checks.migrations = `pending: ${pending.join(', ')}`
        },
        (err) => {
          checks.database = `unreachable: ${describe(err)}`
          checks.migrations = 'unknown'
        },
      )
    const redis = app.redis
    const cache =
      redis === null
        ? Promise.resolve()
        : withTimeout(redis.ping(), 1000, 'redis').then(
            () => {
              checks.redis = 'ok'
            },
            (err) => {
              checks.redis = `unreachable: ${describe(err)}`
            },
          )
    await Promise.all([database, cache])

    const failing = Object.entries(checks).filter(([, result]) => result !== 'ok' && result !== 'not configured')
    if (failing.length > 0) {
      return reply.code(503).send({ status: 'unavailable', failing: failing.map(([name]) => name), checks })
    }
    return { status: 'ok', checks }
  })
}
