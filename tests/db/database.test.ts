// openDatabase: which database it opens, and the life cycle around it.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { openDatabase } from '../../src/db/database.js'
import { createTestDatabase } from '../helpers/database.js'

t.test('with a URL it opens Postgres, answers ping, and closes idempotently', async (t) => {
  const { url } = await createTestDatabase(t)
  const db = await openDatabase({ databaseUrl: url, poolMax: 2, dataDir: 'memory://' })
  t.equal(db.kind, 'postgres')
  await t.resolves(db.ping())
  await db.close()
  await t.resolves(db.close(), 'a second close is harmless')
  await t.rejects(db.ping(), 'a closed database does not answer')
})

t.test('ping rejects when Postgres is unreachable', async (t) => {
  // Nothing listens on port 1.
  const db = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => db.close())
  await t.rejects(db.ping())
})

t.test('without a URL it keeps PGlite under <dataDir>/pglite, and the data survives a reopen', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'did-edge-data-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))

  const first = await openDatabase({ poolMax: 1, dataDir })
  t.equal(first.kind, 'pglite')
  t.ok(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION')), 'the cluster lives in <dataDir>/pglite')
  await first.migrate()
  await first.prisma.user.create({ data: { email: 'kept@example.com', password: 'x', firstName: 'K', lastName: 'P' } })
  await first.close()
  await first.close()

  const second = await openDatabase({ poolMax: 1, dataDir })
  t.teardown(() => second.close())
  t.same(await second.pendingMigrations(), [], 'migrations are remembered')
  t.equal((await second.prisma.user.findFirst())?.email, 'kept@example.com')
  // Array types of a migrated database are known from the start, not only after migrate().
  t.equal(await second.prisma.number.count({ where: { capabilities: { has: 'SMS' } } }), 0)
  await t.resolves(second.ping())
})
