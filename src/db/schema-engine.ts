// Prisma's schema engine (the part behind `prisma migrate diff`), loaded from
// @prisma/schema-engine-wasm. The Prisma CLI would download a native engine, which these
// machines cannot; the WASM build runs in-process over a driver adapter instead.
//
// Development tooling only (src/db/diff-cli.ts): the server applies migrations with its own
// runner (src/db/migrate.ts) and never loads this module.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg'
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg'
import { readMigrationFiles } from './migration-files.js'

export type { SchemaEngine }

// tsconfig has no "dom" lib and @types/node 20 does not declare the WebAssembly global
// (Node has it): declare the one call used here.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>
}

let initialised: Promise<void> | undefined

// The package's main entry does `import * as wasm from "./schema_engine_bg.wasm"`, which
// Node 20 cannot import. It is only glue: instantiate the module ourselves, satisfy its
// imports with the JS bindings (wasm-bindgen names that import namespace after the bindings
// file), and hand the instance back to the bindings, as that entry would.
function initialise(): Promise<void> {
  initialised ??= (async () => {
    // The .wasm file is not in the package's "exports"; it sits next to the JS bindings.
    const bindingsUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    const { instance } = await WebAssembly.instantiate(
      await readFile(new URL('schema_engine_bg.wasm', bindingsUrl)),
      { './schema_engine_bg.js': bindings },
    )
    bindings.__wbg_set_wasm(instance.exports)
    const start = instance.exports.__wbindgen_start as () => void
    start()
  })()
  return initialised
}

/**
 * A schema engine for the given Prisma schema, talking to the database (and, for diffs from
 * a migrations directory, to a throwaway shadow database) through the adapter factory.
 */
export async function openSchemaEngine(
  schema: { path: string; content: string },
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  onLog: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  await initialise()
  return bindings.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    onLog,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  )
}

/** A migrations directory in the form the engine takes it (it reads no files itself). */
export async function loadMigrationList(dir: string): Promise<MigrationList> {
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null),
    },
    shadowDbInitScript: '',
    migrationDirectories: (await readMigrationFiles(dir)).map((migration) => ({
      path: migration.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: migration.sql } },
    })),
  }
}
