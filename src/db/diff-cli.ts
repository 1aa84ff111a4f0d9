// npm run db:diff: prints the SQL that takes a database from the migrations in
// prisma/migrations to prisma/schema.prisma; the starting point for the next migration:
//
//   npm run db:diff > /tmp/next.sql      # review, then save it as
//   prisma/migrations/<yyyymmddhhmmss>_<what>/migration.sql
//
// When they already agree it prints "-- This is an empty migration.". It knows nothing of
// hand-written SQL that Prisma cannot express (check constraints, partial indexes): such
// statements stay out of its output, so add them to the new migration by hand.
//
// `npm run db:diff -- --from-empty` prints the whole schema's DDL instead (how the DDL part
// of the init migration was produced).
//
// Runs entirely in-process: Prisma's schema engine as WASM (src/db/schema-engine.ts) replays
// the migrations into an in-memory PGlite "shadow database", then compares it with the
// schema. No server, network or native engine needed.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import type { DiffTarget } from '@prisma/schema-engine-wasm/schema_engine_bg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { findProjectRoot } from './migration-files.js'
import { loadMigrationList, openSchemaEngine } from './schema-engine.js'

// Every database the engine asks for (the "main" one and the shadow one it replays the
// migrations into) is a fresh in-memory PGlite, created on demand and closed at the end.
// PrismaPGlite's own connectToShadowDb creates a PGlite nobody can close, whose internal
// timers then keep the process alive for another ten seconds.
class InMemoryDatabases implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres'
  readonly adapterName = 'pglite-in-memory'
  private readonly opened: PGlite[] = []

  private open(): Promise<SqlDriverAdapter> {
    const pglite = new PGlite()
    this.opened.push(pglite)
    return new PrismaPGlite(pglite).connect()
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.open()
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.open()
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((pglite) => pglite.close()))
  }
}

async function main(): Promise<void> {
  const root = findProjectRoot()
  const schemaPath = path.join(root, 'prisma', 'schema.prisma')
  const schema = { path: schemaPath, content: await readFile(schemaPath, 'utf8') }
  const fromEmpty = process.argv.includes('--from-empty')

  const from: DiffTarget = fromEmpty
    ? { tag: 'empty' }
    : { tag: 'migrations', ...(await loadMigrationList(path.join(root, 'prisma', 'migrations'))) }

  const databases = new InMemoryDatabases()
  const engine = await openSchemaEngine(schema, databases)
  try {
    const result = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    })
    process.stdout.write(result.stdout ?? '')
  } finally {
    engine.free()
    await databases.close()
  }
}

main().catch((error: unknown) => {
  console.error(`db:diff: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
