// npm run twilio:reconcile [-- --fix] [--json]
//
// Compares the Twilio account's incoming numbers with did-edge's numbers and prints the
// differences (see reconcile.ts); --fix marks numbers Twilio no longer has RELEASED and
// rewrites webhook settings at Twilio from did-edge's rows. It never buys or releases a number
// at Twilio. Reads the same environment as the server (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
// PUBLIC_BASE_URL, DATABASE_URL, ...).
//
// Exit status: 0 in sync (or everything found was fixed), 2 differences remain, 1 failure.
import { ConfigError, loadConfig, type AppConfig } from '../config.js'
import { openDatabase } from '../db/database.js'
import { createTwilioClient, twilioCredentials, twilioRefusal, upstreamError } from './client.js'
import { TwilioNumbers } from './numbers.js'
import { formatReport, hasOutstandingDifferences, reconcile } from './reconcile.js'

function fail(message: string): never {
  process.stderr.write(`twilio:reconcile: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const unknown = args.filter((a) => a !== '--fix' && a !== '--json')
  if (unknown.length > 0) fail(`unknown argument ${unknown[0]} (usage: npm run twilio:reconcile -- [--fix] [--json])`)
  let config: AppConfig
  try {
    config = loadConfig(process.env, 'server')
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  const credentials = twilioCredentials(config)
  if (credentials === null) fail('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required')

  const db = await openDatabase({ databaseUrl: config.database.url, poolMax: 2, dataDir: config.database.dataDir })
  try {
    if (config.migrateOnStart) await db.migrate()
    const report = await reconcile({
      prisma: db.prisma,
      twilio: new TwilioNumbers(createTwilioClient(credentials), credentials.accountSid),
      publicBaseUrl: config.publicBaseUrl,
      fix: args.includes('--fix'),
    })
    process.stdout.write(`${args.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report)}\n`)
    process.exitCode = hasOutstandingDifferences(report) ? 2 : 0
  } finally {
    await db.close()
  }
}

main().then(
  // The twilio client keeps connections alive: end the process explicitly.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) =>
    fail(twilioRefusal(err) !== null ? upstreamError("list the account's numbers", err).message : err instanceof Error ? err.message : String(err)),
)
