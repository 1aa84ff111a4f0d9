// The command-line entry points, run the way a developer or a deploy script runs them.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import pg from 'pg'
import t from 'tap'
import { findProjectRoot } from '../../src/db/migration-files.js'
import { createTestDatabase } from '../helpers/database.js'

const run = promisify(execFile)
const root = findProjectRoot()

/** `npm run -s <script>`; resolves with its exit code and output instead of throwing. */
async function npmRun(script: string, env: Record<string, string> = {}) {
  return run('npm', ['run', '-s', script], { cwd: root, env: { ...process.env, ...env } })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => error)
}

t.test('npm run db:migrate applies the migrations to an empty Postgres database, then has nothing to do', async (t) => {
  const { url } = await createTestDatabase(t)

  const first = await npmRun('db:migrate', { DATABASE_URL: url })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /^applied \d{14}_init \(postgres\)$/m)

  const second = await npmRun('db:migrate', { DATABASE_URL: url })
  t.equal(second.code, 0, second.stderr)
  t.equal(second.stdout.trim(), 'no pending migrations (postgres)')
})

t.test('npm run db:migrate exits non-zero with a one-line message naming a changed migration', async (t) => {
  const { url } = await createTestDatabase(t)
  t.equal((await npmRun('db:migrate', { DATABASE_URL: url })).code, 0)
  // As if the file had been edited after it was applied.
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`UPDATE _prisma_migrations SET checksum = repeat('0', 64)`)
  await client.end()

  const result = await npmRun('db:migrate', { DATABASE_URL: url })
  t.not(result.code, 0)
  t.equal(result.stdout, '')
  t.match(result.stderr.trim(), /^db:migrate: migration \d{14}_init was modified after it was applied[^\n]*$/)
})

t.test('npm run db:diff finds nothing to add: the migrations produce exactly schema.prisma', async (t) => {
  const result = await npmRun('db:diff')
  t.equal(result.code, 0, result.stderr)
  t.equal(result.stdout.trim(), '-- This is an empty migration.')
})
