// The migration runner: applies what is pending once, keeps Prisma's bookkeeping, and
// refuses to run against a history it cannot trust.
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import t from 'tap'
import type { Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/database.js'
import { MigrationHistoryError } from '../../src/db/migrate.js'
import { checksumOf, defaultMigrationsDir, matchesChecksum } from '../../src/db/migration-files.js'
import { loadMigrationList, openSchemaEngine } from '../../src/db/schema-engine.js'
import { createTestDatabase } from '../helpers/database.js'

const migrationNames = (await readdir(defaultMigrationsDir(), { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()
const initName = migrationNames[0] ?? ''

/** An empty Postgres database opened as a Database, closed at teardown. */
async function openPostgres(t: Test, migrationsDir?: string): Promise<Database & { url: string }> {
  const { url } = await createTestDatabase(t)
  const db = await openDatabase({ databaseUrl: url, poolMax: 3, dataDir: 'memory://', migrationsDir })
  t.teardown(() => db.close())
  return Object.assign(db, { url })
}

/** A copy of the real migrations directory the test may edit. */
async function copyOfMigrations(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'did-edge-migrations-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(defaultMigrationsDir(), dir, { recursive: true })
  return dir
}

t.test('the project has an init migration and Prisma migration lock file', async (t) => {
  t.match(initName, /^\d{14}_init$/)
  t.ok((await readdir(defaultMigrationsDir())).includes('migration_lock.toml'))
})

t.test('migrations apply to an empty Postgres database, then a second run is a no-op', async (t) => {
  const db = await openPostgres(t)
  t.same(await db.pendingMigrations(), migrationNames)
  t.same(await db.migrate(), migrationNames)
  t.same(await db.pendingMigrations(), [])
  t.same(await db.migrate(), [], 'nothing applied the second time')

  const rows = await db.prisma.$queryRaw<{ migration_name: string; checksum: string; finished: boolean; applied_steps_count: number }[]>`
    SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count
      FROM _prisma_migrations ORDER BY migration_name`
  t.same(rows.map((row) => row.migration_name), migrationNames, 'one bookkeeping row per migration')
  t.ok(rows.every((row) => row.finished && row.applied_steps_count === 1))
  t.match(rows[0]?.checksum, /^[0-9a-f]{64}$/)
})

t.test('migrations apply to an in-memory PGlite database, then a second run is a no-op', async (t) => {
  const db = await openDatabase({ poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => db.close())
  t.equal(db.kind, 'pglite')
  t.same(await db.migrate(), migrationNames)
  t.same(await db.migrate(), [])
  t.same(await db.pendingMigrations(), [])
  t.equal(await db.prisma.user.count(), 0, 'the tables are there')
})

t.test('two instances migrating one database at once apply each migration exactly once', async (t) => {
  const first = await openPostgres(t)
  const second = await openDatabase({ databaseUrl: first.url, poolMax: 3, dataDir: 'memory://' })
  t.teardown(() => second.close())

  const [a, b] = await Promise.all([first.migrate(), second.migrate()])
  t.same([...a, ...b], migrationNames, 'one of them did the work, the other found nothing left')
  const [{ count } = { count: -1 }] = await first.prisma.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM _prisma_migrations`
  t.equal(count, migrationNames.length)
})

t.test("Prisma's own schema engine sees the migrated database as up to date", async (t) => {
  const db = await openPostgres(t)
  await db.migrate()
  const pool = new pg.Pool({ connectionString: db.url, max: 2 })
  t.teardown(() => pool.end())
  const schemaPath = path.join(defaultMigrationsDir(), '..', 'schema.prisma')
  const engine = await openSchemaEngine(
    { path: schemaPath, content: await readFile(schemaPath, 'utf8') },
    new PrismaPg(pool),
  )
  t.teardown(() => engine.free())

  const diagnosis = await engine.diagnoseMigrationHistory({
    migrationsList: await loadMigrationList(defaultMigrationsDir()),
    optInToShadowDatabase: false,
    filters: { externalTables: [], externalEnums: [] },
  })
  t.same(diagnosis, {
    editedMigrationNames: [],
    failedMigrationNames: [],
    hasMigrationsTable: true,
    history: null,
  })
})

t.test('migrate refuses to run when an applied migration file has changed, naming it', async (t) => {
  const dir = await copyOfMigrations(t)
  const db = await openPostgres(t, dir)
  await db.migrate()
  await appendFile(path.join(dir, initName, 'migration.sql'), '\n-- an innocent-looking edit\n')

  const error = await db.migrate().catch((e: unknown) => e)
  t.type(error, MigrationHistoryError)
  t.match(error, { migration: initName, message: new RegExp(`${initName} was modified`) })
  await t.rejects(
    db.pendingMigrations(),
    { name: 'MigrationHistoryError', migration: initName },
    'pendingMigrations refuses too',
  )
})

t.test('migrate refuses to run when an applied migration is missing on disk, naming it', async (t) => {
  const dir = await copyOfMigrations(t)
  const db = await openPostgres(t, dir)
  await db.migrate()
  await rm(path.join(dir, initName), { recursive: true })

  await t.rejects(db.migrate(), {
    name: 'MigrationHistoryError',
    migration: initName,
    message: new RegExp(`${initName} is applied to the database but missing`),
  })
})

t.test('a failing migration is rolled back entirely, left pending, and applies once fixed', async (t) => {
  const dir = await copyOfMigrations(t)
  const db = await openPostgres(t, dir)
  await db.migrate()

  const name = '29991231000000_broken'
  const file = path.join(dir, name, 'migration.sql')
  await mkdir(path.dirname(file))
  await writeFile(file, 'CREATE TABLE half_done (id int);\nSELECT 1 / 0;\n')

  await t.rejects(db.migrate(), { message: new RegExp(`migration ${name} failed.*division by zero`) })
  const [{ present } = { present: true }] = await db.prisma.$queryRaw<{ present: boolean }[]>`
    SELECT to_regclass('half_done') IS NOT NULL AS present`
  t.notOk(present, 'its first statement was rolled back with it')
  t.same(await db.pendingMigrations(), [name], 'not recorded as applied')

  await writeFile(file, 'CREATE TABLE half_done (id int);\n')
  t.same(await db.migrate(), [name])
})

t.test('a checksum recorded for LF line endings still matches the file checked out with CRLF', async (t) => {
  const lf = '-- comment\nCREATE TABLE x (id int);\n'
  const crlf = lf.replace(/\n/g, '\r\n')
  t.ok(matchesChecksum(crlf, checksumOf(lf)))
  t.ok(matchesChecksum(lf, checksumOf(crlf)))
  t.notOk(matchesChecksum(lf.replace('x', 'y'), checksumOf(lf)))
})
