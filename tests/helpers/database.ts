// A fresh PostgreSQL database per test, dropped when the test ends.
//
//   const { url } = await createTestDatabase(t)                  // empty database
//   const { db } = await createTestDatabase(t, { migrate: true }) // migrated, opened Database
//
// Uses the local server of the build machines (127.0.0.1:5432, trust auth, role postgres);
// TEST_DATABASE_ADMIN_URL points it elsewhere. Each call creates its own database, so test
// files (which tap runs in parallel) never see each other's rows.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/database.js'

const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  /** Connection string of the new database (DATABASE_URL for the code under test). */
  url: string
  name: string
}

export interface MigratedTestDatabase extends TestDatabase {
  /** Opened on `url` with every migration applied; closed at teardown. */
  db: Database
}

/** Runs one statement as the server's administrator (create, drop, alter databases). */
export async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase(
  t: Test,
  options?: { migrate?: false },
): Promise<TestDatabase>
export async function createTestDatabase(
  t: Test,
  options: { migrate: true },
): Promise<MigratedTestDatabase>
export async function createTestDatabase(
  t: Test,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase | MigratedTestDatabase> {
  const name = `did_edge_test_${randomBytes(6).toString('hex')}`
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`

  await asAdmin(`CREATE DATABASE "${name}"`)
  let db: Database | undefined
  t.teardown(async () => {
    await db?.close()
    // FORCE: a test that forgot to close its connections must not leak the database.
    await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })

  if (!options.migrate) return { url: url.href, name }
  db = await openDatabase({ databaseUrl: url.href, poolMax: 5, dataDir: 'memory://' })
  await db.migrate()
  return { url: url.href, name, db }
}
