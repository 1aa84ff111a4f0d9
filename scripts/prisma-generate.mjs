// Runs `prisma generate` on machines without internet access (npm run db:generate, postinstall).
//
// The Prisma 7 CLI downloads a native schema-engine binary before any command, `generate`
// included, and fails offline. Generating the client never runs that engine, and the CLI skips
// the download when PRISMA_SCHEMA_ENGINE_BINARY names an executable, so any executable will
// do: we point it at this Node binary unless the caller chose one. Migrations don't use the
// CLI at all (see src/db/migrate.ts and src/db/diff-cli.ts).
//
// Plain JavaScript on purpose: postinstall runs before anything can be compiled or loaded
// through tsx.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

let prismaCli
try {
  prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js')
} catch {
  // An install without the CLI (it is a devDependency; `npm ci --omit=dev` still brings it in
  // as a peer of @prisma/client, `--omit=peer` does not) must not fail on it: such an install
  // runs compiled code, whose client was generated and compiled at build time.
  console.log('prisma-generate: the prisma CLI is not installed, skipping')
  process.exit(0)
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  // No update check, telemetry or other calls home: there is no network to answer them.
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
}

const result = spawnSync(process.execPath, [prismaCli, 'generate', ...process.argv.slice(2)], {
  cwd: projectRoot,
  env,
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
