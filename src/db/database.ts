// Opens the database the server runs on: PostgreSQL when a URL is configured, otherwise
// PGlite (Postgres compiled to WASM) in a local folder, so a fresh clone runs with no
// servers. Both serve the same schema and migrations, through a Prisma 7 driver adapter.
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '../generated/prisma/client.js'
import type { PoolStats } from '../metrics/metrics.js'
import {
  applyMigrations,
  pendingMigrations,
  pgliteMigrationTarget,
  postgresMigrationTarget,
  type MigrationTarget,
} from './migrate.js'

export interface Database {
  readonly kind: 'postgres' | 'pglite'
  readonly prisma: PrismaClient
  /** Cheap liveness query (SELECT 1). Rejects when the database is unreachable. */
  ping(): Promise<void>
  /** The connection pool right now (read by the metrics at each scrape). */
  poolStats(): PoolStats
  /** Names of migrations on disk not yet applied (empty when up to date). */
  pendingMigrations(): Promise<string[]>
  /** Applies pending migrations; returns the names applied. Throws on a changed or missing migration. */
  migrate(): Promise<string[]>
  /** Closes Prisma and the pool / PGlite. Idempotent. */
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** Set: Postgres through @prisma/adapter-pg with a pg.Pool of at most poolMax. Unset: PGlite. */
  databaseUrl?: string
  poolMax: number
  /** PGlite lives in path.join(dataDir, 'pglite'); 'memory://' keeps it in memory (tests). */
  dataDir: string
  /** Defaults to <project root>/prisma/migrations. */
  migrationsDir?: string
}

export const IN_MEMORY = 'memory://'

// A connection attempt to an unreachable host would otherwise hang until the OS gives up;
// ping() (health checks) must answer sooner than that.
const CONNECT_TIMEOUT_MS = 5_000

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options)
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  // One pool for Prisma and the migration runner, so poolMax bounds every connection this
  // process opens (PgBouncer in production counts them).
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  })
  // An idle connection dropped by the server (restart, failover) is reported here; pg has
  // already removed it from the pool and the next query reconnects. Without a listener the
  // 'error' event would crash the process.
  pool.on('error', () => {})
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  return assemble({
    kind: 'postgres',
    prisma,
    migrationTarget: postgresMigrationTarget(pool),
    migrationsDir: options.migrationsDir,
    ping: async () => {
      await pool.query('SELECT 1')
    },
    poolStats: () => ({
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: options.poolMax,
    }),
    release: () => pool.end(),
  })
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  let dataDir = IN_MEMORY
  if (options.dataDir !== IN_MEMORY) {
    dataDir = path.join(options.dataDir, 'pglite')
    await mkdir(dataDir, { recursive: true })
  }
  const pglite = await PGlite.create(dataDir)
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) })
  return assemble({
    kind: 'pglite',
    prisma,
    migrationTarget: pgliteMigrationTarget(pglite),
    migrationsDir: options.migrationsDir,
    ping: async () => {
      await pglite.query('SELECT 1')
    },
    // PGlite is one in-process connection that queues its queries internally and exposes no
    // count of them: report it as a pool of one, always idle and never waited for.
    poolStats: () => ({ inUse: 0, idle: 1, waiting: 0, max: 1 }),
    // PGlite serialises a query parameter by the type of its placeholder and learns array
    // types (number_capability[], ...) only when it opens. Without a refresh, array filters
    // on enums created by a migration (`capabilities: { has: 'SMS' }`) fail with
    // "malformed array literal" until the next restart.
    afterMigrate: () => pglite.refreshArrayTypes(),
    release: () => pglite.close(),
  })
}

function assemble(parts: {
  kind: Database['kind']
  prisma: PrismaClient
  migrationTarget: MigrationTarget
  migrationsDir: string | undefined
  ping: () => Promise<void>
  poolStats: () => PoolStats
  afterMigrate?: () => Promise<void>
  release: () => Promise<void>
}): Database {
  const migrateOptions = { migrationsDir: parts.migrationsDir }
  let closing: Promise<void> | undefined
  return {
    kind: parts.kind,
    prisma: parts.prisma,
    ping: parts.ping,
    poolStats: parts.poolStats,
    pendingMigrations: () => pendingMigrations(parts.migrationTarget, migrateOptions),
    async migrate() {
      const applied = await applyMigrations(parts.migrationTarget, migrateOptions)
      if (applied.length > 0) await parts.afterMigrate?.()
      return applied
    },
    close() {
      // Prisma first: it must stop using the pool / PGlite before they go away.
      closing ??= parts.prisma.$disconnect().finally(parts.release)
      return closing
    },
  }
}
