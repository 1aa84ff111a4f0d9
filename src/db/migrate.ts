// Applies prisma/migrations/*/migration.sql to Postgres or PGlite.
//
// Our own runner rather than `prisma migrate deploy`: the CLI needs a native schema engine
// that cannot be downloaded here, and PGlite has no URL for it to connect to. It keeps
// Prisma's bookkeeping table (_prisma_migrations, same columns, same checksums) and takes
// Prisma's advisory lock, so Prisma's own tooling (migrate status/deploy/diff) still
// understands and coexists with a database migrated by it.
import { randomUUID } from 'node:crypto'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import type pg from 'pg'
import {
  defaultMigrationsDir,
  matchesChecksum,
  readMigrationFiles,
  type MigrationFile,
} from './migration-files.js'

/** A connection that can run parameterised queries and multi-statement scripts. */
export interface SqlRunner {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>
  exec(script: string): Promise<void>
}

export interface MigrationSession extends SqlRunner {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction(work: (tx: SqlRunner) => Promise<void>): Promise<void>
}

/** Where migrations are applied: one session on one connection, held for the whole run. */
export interface MigrationTarget {
  withSession<T>(work: (session: MigrationSession) => Promise<T>): Promise<T>
}

export interface MigrateOptions {
  /** Defaults to <project root>/prisma/migrations. */
  migrationsDir?: string
}

/** The database's migration history and the migrations on disk disagree. */
export class MigrationHistoryError extends Error {
  constructor(
    readonly migration: string,
    message: string,
  ) {
    super(message)
    this.name = 'MigrationHistoryError'
  }
}

// The key `prisma migrate` locks, so this runner and Prisma's CLI never migrate at once.
const PRISMA_ADVISORY_LOCK_KEY = 72707369

// Prisma's own definition of its bookkeeping table.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`

interface HistoryRow {
  migration_name: string
  checksum: string
  finished: boolean
}

async function readHistory(db: SqlRunner): Promise<HistoryRow[]> {
  const [table] = await db.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  )
  if (!table?.present) return []
  // A rolled-back migration counts as not applied: Prisma applies it again, and so do we.
  return db.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished
       FROM "_prisma_migrations"
      WHERE rolled_back_at IS NULL
      ORDER BY started_at`,
  )
}

/**
 * The migrations still to apply, oldest first. Throws a MigrationHistoryError when the
 * history cannot be trusted: an applied migration was edited or deleted, or one failed
 * half-way (left unfinished by Prisma's CLI) and needs a human.
 */
function planMigrations(files: MigrationFile[], history: HistoryRow[]): MigrationFile[] {
  const onDisk = new Map(files.map((file) => [file.name, file]))
  for (const row of history) {
    const name = row.migration_name
    const file = onDisk.get(name)
    if (!row.finished) {
      throw new MigrationHistoryError(
        name,
        `migration ${name} failed earlier and is unfinished in _prisma_migrations; repair the database, then mark it rolled back (prisma migrate resolve)`,
      )
    }
    if (!file) {
      throw new MigrationHistoryError(
        name,
        `migration ${name} is applied to the database but missing from the migrations directory`,
      )
    }
    if (!matchesChecksum(file.sql, row.checksum)) {
      throw new MigrationHistoryError(
        name,
        `migration ${name} was modified after it was applied (checksum differs); restore it and put the change in a new migration`,
      )
    }
  }
  const applied = new Set(history.map((row) => row.migration_name))
  return files.filter((file) => !applied.has(file.name))
}

/** Names of the migrations on disk that are not applied yet. Throws like applyMigrations. */
export async function pendingMigrations(
  target: MigrationTarget,
  options: MigrateOptions = {},
): Promise<string[]> {
  const files = await readMigrationFiles(options.migrationsDir ?? defaultMigrationsDir())
  return target.withSession(async (session) =>
    planMigrations(files, await readHistory(session)).map((file) => file.name),
  )
}

/**
 * Applies the pending migrations, each in its own transaction together with its
 * _prisma_migrations row, so a failure leaves no half-applied migration behind.
 * Returns the names applied (empty when up to date).
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: MigrateOptions = {},
): Promise<string[]> {
  const files = await readMigrationFiles(options.migrationsDir ?? defaultMigrationsDir())
  return target.withSession(async (session) => {
    // Session-level lock: a second instance starting at the same time waits here, then
    // finds nothing left to do.
    await session.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`)
    try {
      await session.exec(CREATE_MIGRATIONS_TABLE)
      const pending = planMigrations(files, await readHistory(session))
      for (const file of pending) {
        await session
          .transaction(async (tx) => {
            await tx.exec(file.sql)
            await tx.query(
              `INSERT INTO "_prisma_migrations"
                 (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
               VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
              [randomUUID(), file.checksum, file.name],
            )
          })
          .catch((error: unknown) => {
            const reason = error instanceof Error ? error.message : String(error)
            throw new Error(`migration ${file.name} failed and was rolled back: ${reason}`, {
              cause: error,
            })
          })
      }
      return pending.map((file) => file.name)
    } finally {
      await session.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_KEY})`)
    }
  })
}

/** Migrates through one client checked out of the pool (the lock is per connection). */
export function postgresMigrationTarget(pool: pg.Pool): MigrationTarget {
  return {
    async withSession(work) {
      const client = await pool.connect()
      const runner: SqlRunner = {
        query: async <Row>(sql: string, params?: unknown[]) =>
          (await client.query(sql, params)).rows as Row[],
        // Without parameters pg uses the simple query protocol, which accepts many statements.
        exec: async (script) => {
          await client.query(script)
        },
      }
      try {
        const result = await work({
          ...runner,
          async transaction(body) {
            await client.query('BEGIN')
            try {
              await body(runner)
              await client.query('COMMIT')
            } catch (error) {
              await client.query('ROLLBACK')
              throw error
            }
          },
        })
        client.release()
        return result
      } catch (error) {
        // Discard the connection rather than return it to the pool: it may still hold the
        // advisory lock or an aborted transaction.
        client.release(error instanceof Error ? error : true)
        throw error
      }
    },
  }
}

/** PGlite is a single connection; its transaction() keeps other queries out meanwhile. */
export function pgliteMigrationTarget(db: PGlite): MigrationTarget {
  const runnerOf = (conn: PGlite | Transaction): SqlRunner => ({
    query: async <Row>(sql: string, params?: unknown[]) =>
      (await conn.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await conn.exec(script)
    },
  })
  return {
    withSession: (work) =>
      work({
        ...runnerOf(db),
        transaction: (body) => db.transaction((tx) => body(runnerOf(tx))),
      }),
  }
}
