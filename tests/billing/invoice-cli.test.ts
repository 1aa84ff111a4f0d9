// `npm run billing:invoice` as an operator (or cron) runs it: its own process, configured by the
// environment, against a real database.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import { customer, heldNumber } from './invoice-support.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs the CLI with arguments. (tests/helpers/server-process.ts's spawnScript starts a script
 * without arguments; this is the same, plus argv.)
 */
async function runCli(t: Test, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/billing/invoice-cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

t.test('the CLI issues a month once, marks overdue invoices, and refuses bad arguments', async (t) => {
  const { db, url } = await createTestDatabase(t, { migrate: true })
  const prisma = db.prisma
  const env = { DATABASE_URL: url, NODE_ENV: 'test', TAX_RATE: '0.0825', PAYMENT_TERMS_DAYS: '14' }
  const ada = await customer(prisma, 'Ada')
  await heldNumber(prisma, ada.user.id, { purchasedAt: '2026-01-01T00:00:00Z', monthlyPrice: '10' })
  const idle = await customer(prisma, 'Idle')
  const year = new Date().getUTCFullYear()

  const first = await runCli(t, ['--period', '2026-10'], env)
  t.equal(first.code, 0, first.stderr)
  // 10 + 8.25 % tax = 10.825
  t.match(first.stdout, new RegExp(`^created INV-${year}-000001 for account ${ada.account.id}: 10\\.825 USD, due \\d{4}-\\d\\d-\\d\\d$`, 'm'))
  t.match(first.stdout, `skipped account ${idle.account.id}: NOTHING_TO_BILL: no number held and no usage in 2026-10`)
  t.match(first.stdout, '2026-10: 1 created, 1 skipped, 0 failed')
  const invoice = await prisma.invoice.findFirstOrThrow()
  t.match(invoice, { status: 'SENT', paymentTerms: 'Net 14' })
  t.equal(invoice.totalAmount.toFixed(), '10.825')

  const second = await runCli(t, ['--period', '2026-10'], env)
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, `skipped account ${ada.account.id}: ALREADY_INVOICED: 2026-10 is already invoiced: INV-${year}-000001`)
  t.equal(await prisma.invoice.count(), 1, 'running it again issues nothing')

  // The invoice falls due: the daily run marks it.
  await prisma.invoice.update({ where: { id: invoice.id }, data: { dueDate: new Date(Date.now() - 86_400_000) } })
  const overdue = await runCli(t, ['--mark-overdue'], env)
  t.equal(overdue.code, 0, overdue.stderr)
  t.match(overdue.stdout, `overdue INV-${year}-000001: 10.825 USD due`)
  t.match(overdue.stdout, '1 invoice(s) marked OVERDUE')
  t.equal((await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).status, 'OVERDUE')

  const noArgs = await runCli(t, [], env)
  t.equal(noArgs.code, 2)
  t.match(noArgs.stderr, /^billing:invoice: give --period, --mark-overdue or both\nusage: billing:invoice /)
  const future = await runCli(t, ['--period', '2999-01'], env)
  t.equal(future.code, 2)
  t.equal(future.stderr, 'billing:invoice: period: 2999-01 has not ended yet: only past months can be invoiced\n')
  t.equal(await prisma.invoice.count(), 1)
})
