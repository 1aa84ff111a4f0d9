// npm run db:migrate: applies pending migrations to PostgreSQL (DATABASE_URL) or, when that
// is unset, to the embedded PGlite database under DATA_DIR (default ./data): the same
// variables and defaults as the server (src/config.ts). A command-line entry point, so it
// reads the environment itself.
import { openDatabase } from './database.js'

function poolMaxFromEnv(): number {
  const raw = process.env.DATABASE_POOL_MAX
  const value = Number(raw)
  if (raw === undefined || raw === '') return 10
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`DATABASE_POOL_MAX must be a positive integer, got "${raw}"`)
  }
  return value
}

async function main(): Promise<void> {
  const db = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    poolMax: poolMaxFromEnv(),
    dataDir: process.env.DATA_DIR || './data',
  })
  try {
    const applied = await db.migrate()
    if (applied.length === 0) console.log(`no pending migrations (${db.kind})`)
    for (const name of applied) console.log(`applied ${name} (${db.kind})`)
  } finally {
    await db.close()
  }
}

main().catch((error: unknown) => {
  // One line, no stack: the messages name the migration and what to do about it.
  console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
