// The migrations on disk, in Prisma's layout: prisma/migrations/<timestamp>_<name>/migration.sql.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface MigrationFile {
  /** The directory name, which is also the name recorded in _prisma_migrations. */
  readonly name: string
  readonly sql: string
  /** sha256 (hex) of the file, as Prisma computes it. */
  readonly checksum: string
}

/**
 * The project root: the nearest directory above this module holding a package.json. Found by
 * walking up because this file runs both as src/db/*.ts (tsx) and as dist/src/db/*.js (tsc).
 */
export function findProjectRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    if (dir === path.dirname(dir)) {
      throw new Error(`no package.json above ${from}: cannot locate prisma/migrations`)
    }
  }
}

export function defaultMigrationsDir(): string {
  return path.join(findProjectRoot(), 'prisma', 'migrations')
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex')
}

/**
 * Whether a migration file still matches the checksum recorded when it was applied. Like
 * Prisma, accepts the same file with LF or CRLF line endings, so a checkout with
 * core.autocrlf does not look like an edited migration.
 */
export function matchesChecksum(sql: string, checksum: string): boolean {
  const lf = sql.replace(/\r\n/g, '\n')
  return [sql, lf, lf.replace(/\n/g, '\r\n')].some((variant) => checksumOf(variant) === checksum)
}

/** All migrations in `dir`, oldest first (directory names start with a timestamp). */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql')
      const sql = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new Error(`migration ${name} has no readable migration.sql (${file})`, {
          cause: error,
        })
      })
      return { name, sql, checksum: checksumOf(sql) }
    }),
  )
}
