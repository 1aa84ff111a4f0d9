// npm run billing:invoice -- --period YYYY-MM [--account <billingAccountId>] [--mark-overdue]
// npm run billing:invoice -- --mark-overdue
//
// Issues the invoices of a past month (one per billing account, idempotently: running it again
// issues nothing twice), and/or marks unpaid invoices past their due date OVERDUE. Configured
// by the environment as the worker is (DATABASE_URL or DATA_DIR, TAX_RATE, PAYMENT_TERMS_DAYS,
// MIGRATE_ON_START). Scheduling, e.g. cron:
//   0 2 1 * *  npm run billing:invoice -- --period previous     (the 1st, for last month)
//   0 3 * * *  npm run billing:invoice -- --mark-overdue        (daily)
// Exit status: 0 done, 1 something failed (the output says which account), 2 bad arguments (a
// malformed, current or future period included).
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type AppConfig } from '../config.js'
import { openDatabase } from '../db/database.js'
import { AppError } from '../errors.js'
import { generateInvoices } from './invoices/generate.js'
import { markOverdueInvoices } from './invoices/overdue.js'
import { previousPeriod } from './invoices/period.js'

const USAGE = 'usage: billing:invoice [--period YYYY-MM|previous] [--account <billingAccountId>] [--mark-overdue]'

function fail(message: string, code = 1): never {
  process.stderr.write(`billing:invoice: ${message}\n`)
  process.exit(code)
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        period: { type: 'string' },
        account: { type: 'string' },
        'mark-overdue': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    })
    if (values.period === undefined && !values['mark-overdue']) throw new Error('give --period, --mark-overdue or both')
    if (values.account !== undefined && values.period === undefined) throw new Error('--account needs --period')
    return { period: values.period, account: values.account, markOverdue: values['mark-overdue'] }
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, 2)
  }
}

async function main(): Promise<void> {
  const args = options()
  let config: AppConfig
  try {
    config = loadConfig(process.env, 'worker')
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  const now = new Date()
  const db = await openDatabase({ databaseUrl: config.database.url, poolMax: config.database.poolMax, dataDir: config.database.dataDir })
  let failed = false
  try {
    if (config.migrateOnStart) await db.migrate()
    if (args.period !== undefined) {
      const period = args.period === 'previous' ? previousPeriod(now).key : args.period
      const result = await generateInvoices(db.prisma, { period, billingAccountId: args.account, billing: config.billing, now })
      for (const invoice of result.created) {
        console.log(`created ${invoice.invoiceNumber} for account ${invoice.billingAccountId}: ${invoice.totalAmount.toFixed()} ${invoice.currency}, due ${invoice.dueDate.toISOString().slice(0, 10)}`)
      }
      for (const skip of result.skipped) console.log(`skipped account ${skip.billingAccountId}: ${skip.reason}: ${skip.message}`)
      for (const failure of result.failed) console.log(`FAILED account ${failure.billingAccountId}: ${failure.message}`)
      console.log(`${period}: ${result.created.length} created, ${result.skipped.length} skipped, ${result.failed.length} failed`)
      failed = result.failed.length > 0
    }
    if (args.markOverdue) {
      const marked = await markOverdueInvoices(db.prisma, now)
      for (const invoice of marked) console.log(`overdue ${invoice.invoiceNumber}: ${invoice.amountDue} ${invoice.currency} due ${invoice.dueDate.toISOString().slice(0, 10)}`)
      console.log(`${marked.length} invoice(s) marked OVERDUE`)
    }
  } finally {
    await db.close()
  }
  if (failed) process.exitCode = 1
}

main().catch((err: unknown) => {
  // AppErrors are the operator's mistakes (a month not over, an unknown account): their message says what to do.
  if (err instanceof AppError) fail(err.message, err.code === 'VALIDATION_FAILED' ? 2 : 1)
  fail(`failed: ${err instanceof Error ? err.message : String(err)}`)
})
