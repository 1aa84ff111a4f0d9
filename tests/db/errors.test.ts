// classifyDatabaseError against errors real databases and drivers raise: what the configuration
// cache treats as an outage (unavailable), what the ingest writer sets aside (data), and the rest.
import net from 'node:net'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import t from 'tap'
import { classifyDatabaseError, type DatabaseFailure } from '../../src/db/errors.js'
import { openDatabase } from '../../src/db/database.js'
import { PrismaClient } from '../../src/generated/prisma/client.js'
import { asAdmin, createTestDatabase } from '../helpers/database.js'
import { freePort } from '../config-cache/helpers.js'

/** The error `run` rejects with (fails the test if it resolves). */
async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (err) {
    return err
  }
  throw new Error('expected a failure')
}

const { db, url, name } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma
const pglite = await openDatabase({ dataDir: 'memory://', poolMax: 1 })
t.teardown(() => pglite.close())
await pglite.migrate()
const user = await prisma.user.create({ data: { email: 'owner@example.com', password: 'x', firstName: 'O', lastName: 'W' } })
const number = { phoneNumber: '+14155550100', twilioSid: 'PN1', twilioAccountSid: 'AC1', countryCode: 'US', numberType: 'LOCAL' as const, monthlyPrice: '1.15', userId: user.id }
await prisma.number.create({ data: number })

t.test('errors about the values of one statement are data errors', async (t) => {
  const cases: [string, () => Promise<unknown>][] = [
    ['a NUL in a lookup key (22021)', () => prisma.number.findUnique({ where: { phoneNumber: '+1415\u00005550100' } })],
    ['a NUL in JSON rows (22P05)', () => prisma.$queryRaw`SELECT * FROM json_to_recordset(${JSON.stringify([{ a: 'x\u0000' }])}::json) AS v(a text)`],
    ['a lone surrogate in JSON rows (22P02)', () => prisma.$queryRaw`SELECT * FROM json_to_recordset(${JSON.stringify([{ a: 'x\uD800' }])}::json) AS v(a text)`],
    ['a year Postgres cannot store (22009)', () => prisma.$queryRaw`SELECT ${'+020000-01-01T00:00:00.000Z'}::timestamp(3)`],
    ['division by zero (22012)', () => prisma.$queryRaw`SELECT 1 / (random() * 0)::int`],
    ['a unique violation (23505)', () => prisma.number.create({ data: { ...number, twilioSid: 'PN2' } })],
    ['a check violation (23514)', () => prisma.number.create({ data: { ...number, phoneNumber: 'nope', twilioSid: 'PN3' } })],
    ['a NUL on PGlite', () => pglite.prisma.number.findUnique({ where: { phoneNumber: '+1415\u00005550100' } })],
  ]
  for (const [what, run] of cases) t.equal(classifyDatabaseError(await errorOf(run)), 'data', what)
})

t.test('a database that cannot be reached or drops the session is unavailable', async (t) => {
  const port = await freePort()
  const refused = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/x`, poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => refused.close())
  const missing = await openDatabase({ databaseUrl: url.replace(name, `${name}_missing`), poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => missing.close())

  // One connection, busy for a while: the next query finds no free connection in time.
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 100 })
  pool.on('error', () => {})
  const pooled = new PrismaClient({ adapter: new PrismaPg(pool) })
  t.teardown(async () => {
    await pooled.$disconnect()
    await pool.end()
  })
  // Prisma's queries start when awaited: this one starts now, and holds the connection.
  const busy = errorOf(() => pooled.$queryRaw`SELECT pg_sleep(1)`)
  while (pool.totalCount === 0 || pool.idleCount > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const exhausted = await errorOf(() => pooled.$queryRaw`SELECT 1`)

  // The same busy connection, ended by the server while its query runs (57P01, FATAL).
  await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()`)
  const terminated = await busy

  const socket = await errorOf(
    () =>
      new Promise((resolve, reject) => {
        const connection = net.connect(port, '127.0.0.1', () => resolve(connection.end()))
        connection.once('error', reject)
      }),
  )

  const cases: [string, unknown][] = [
    ['connection refused (P1001)', await errorOf(() => refused.prisma.number.findFirst())],
    ['no such database (P1003)', await errorOf(() => missing.prisma.number.findFirst())],
    ['no free connection in the pool', exhausted],
    ['the session terminated mid-query (57P01)', terminated],
    ["Node's own socket error", socket],
  ]
  for (const [what, err] of cases) t.equal(classifyDatabaseError(err), 'unavailable', what)

  // Last: the database refuses new connections and drops the open ones (55000, FATAL).
  await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`)
  t.teardown(() => asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`))
  await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
  const closed = await errorOf(() => prisma.number.findFirst())
  t.equal(classifyDatabaseError(closed), 'unavailable', 'a database not accepting connections (55000)')
})

t.test('anything else is neither', async (t) => {
  const cases: [string, unknown, DatabaseFailure][] = [
    ['a missing table (42P01)', await errorOf(() => pglite.prisma.$queryRaw`SELECT * FROM no_such_table`), 'other'],
    ['a syntax error (42601)', await errorOf(() => pglite.prisma.$queryRawUnsafe('SELEC 1')), 'other'],
    ['a plain Error', new Error('boom'), 'other'],
    ['a thrown string', 'boom', 'other'],
    ['null', null, 'other'],
  ]
  for (const [what, err, expected] of cases) t.equal(classifyDatabaseError(err), expected, what)
})
