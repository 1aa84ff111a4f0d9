import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { type Database, openDatabase } from '../db/database.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

/**
 * Opens Postgres (DATABASE_URL) or the embedded PGlite database, applies pending migrations
 * unless MIGRATE_ON_START=false, and closes it last when the app closes.
 */
async function databasePlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { database } = opts.config
  const db = await openDatabase({ databaseUrl: database.url, poolMax: database.poolMax, dataDir: database.dataDir })
  app.log.info(
    db.kind === 'postgres'
      ? { database: 'postgres', poolMax: database.poolMax }
      : { database: 'pglite', dataDir: database.dataDir },
    db.kind === 'postgres' ? 'using PostgreSQL (DATABASE_URL)' : 'using the embedded PGlite database (DATABASE_URL is not set)',
  )
  app.decorate('db', db)
  // The pool's gauges (in use, idle, waiting) are read from it at scrape time.
  app.metrics.setDbPool(() => db.poolStats())
  app.addHook('onClose', async () => {
    await db.close()
  })
  if (opts.config.migrateOnStart) {
    const applied = await db.migrate()
    app.log.info({ applied }, applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database schema is up to date')
  }
}

export default fp(databasePlugin, { name: 'did-edge-database', fastify: '5.x', dependencies: ['did-edge-metrics'] })
