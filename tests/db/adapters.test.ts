// The same data survives a write and a read through both driver adapters: Postgres
// (adapter-pg) and PGlite (pglite-prisma-adapter), which parse column values differently.
import t from 'tap'
import type { Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/database.js'
import { isCheckViolation, isUniqueViolation } from '../../src/db/errors.js'
import { Prisma } from '../../src/generated/prisma/client.js'
import { createTestDatabase } from '../helpers/database.js'

async function migratedDatabase(t: Test, kind: Database['kind']): Promise<Database> {
  if (kind === 'postgres') return (await createTestDatabase(t, { migrate: true })).db
  const db = await openDatabase({ poolMax: 1, dataDir: 'memory://' })
  t.teardown(() => db.close())
  await db.migrate()
  return db
}

for (const kind of ['postgres', 'pglite'] as const) {
  t.test(`${kind}: a number round-trips decimals, enum and text arrays, JSON and dates`, async (t) => {
    const { prisma } = await migratedDatabase(t, kind)
    const preferences = { theme: 'dark', notifications: { email: true, sms: false }, list: [1, 'two', null] }
    const routingRules = { defaultAction: 'forward', timeBasedRules: [{ id: 'r1', priority: 1 }] }
    const purchasedAt = new Date('2024-02-29T23:59:58.123Z')

    const user = await prisma.user.create({
      data: { email: 'round@example.com', password: 'x', firstName: 'R', lastName: 'T', preferences },
    })
    const created = await prisma.number.create({
      data: {
        phoneNumber: '+442071838750', twilioSid: 'PN1', twilioAccountSid: 'AC1', countryCode: 'GB',
        numberType: 'LOCAL', userId: user.id,
        monthlyPrice: '1234.5678', setupPrice: '0.0085',
        capabilities: ['VOICE', 'SMS', 'MMS'],
        // Characters that array literals must quote or escape.
        tags: ['vip', 'a,b', 'quote"d', 'back\\slash', '{braces}', ''],
        voiceMethod: 'GET',
        purchasedAt,
        configurations: { create: { name: 'Business hours', routingRules } },
      },
    })

    const number = await prisma.number.findUniqueOrThrow({
      where: { id: created.id },
      include: { user: true, configurations: true },
    })
    t.ok(number.monthlyPrice instanceof Prisma.Decimal)
    t.equal(number.monthlyPrice.toFixed(4), '1234.5678')
    t.equal(number.setupPrice?.toFixed(4), '0.0085', 'sub-cent amounts keep their digits')
    t.same(number.capabilities, ['VOICE', 'SMS', 'MMS'])
    t.same(number.tags, ['vip', 'a,b', 'quote"d', 'back\\slash', '{braces}', ''])
    t.equal(number.voiceMethod, 'GET')
    t.equal(number.smsMethod, 'POST', 'enum default')
    t.equal(number.purchasedAt.toISOString(), purchasedAt.toISOString())
    t.equal(number.releasedAt, null)
    t.same(number.user.preferences, preferences)
    t.same(number.configurations[0]?.routingRules, routingRules)

    t.equal(await prisma.number.count({ where: { capabilities: { has: 'SMS' } } }), 1, 'array filter')
    const totals = await prisma.number.aggregate({ _sum: { monthlyPrice: true }, _avg: { monthlyPrice: true } })
    t.equal(totals._avg.monthlyPrice?.toFixed(4), '1234.5678', 'amounts aggregate')

    const account = await prisma.billingAccount.create({
      data: { userId: user.id, billingAddress: { city: 'London' }, accountBalance: '-12.3456' },
    })
    t.equal(account.accountBalance.toFixed(4), '-12.3456', 'negative amounts keep their sign')
  })

  t.test(`${kind}: unique and check violations are recognised`, async (t) => {
    const { prisma } = await migratedDatabase(t, kind)
    const data = { email: 'dup@example.com', password: 'x', firstName: 'D', lastName: 'U' }
    await prisma.user.create({ data })

    const duplicate = await prisma.user.create({ data }).catch((e: unknown) => e)
    t.ok(isUniqueViolation(duplicate), String(duplicate))
    t.notOk(isCheckViolation(duplicate))

    const malformed = await prisma.user.create({ data: { ...data, email: 'nope' } }).catch((e: unknown) => e)
    t.ok(isCheckViolation(malformed), String(malformed))
    t.notOk(isUniqueViolation(malformed))

    // Raw SQL reports the same SQLSTATEs under a different Prisma code (P2010).
    const raw = await prisma.$executeRaw`UPDATE users SET email = 'still-nope'`.catch((e: unknown) => e)
    t.ok(isCheckViolation(raw), String(raw))
  })
}
