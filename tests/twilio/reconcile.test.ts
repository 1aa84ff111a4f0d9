// `npm run twilio:reconcile`: the Twilio account's numbers against did-edge's rows, through the
// real twilio client and the fake Twilio; the module directly, then the CLI as a process.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import type { Number as NumberRow } from '../../src/generated/prisma/client.js'
import { createTwilioClient } from '../../src/twilio/client.js'
import { TwilioNumbers } from '../../src/twilio/numbers.js'
import { formatReport, hasOutstandingDifferences, reconcile } from '../../src/twilio/reconcile.js'
import { newNumberWebhookColumns } from '../../src/twilio/webhook-urls.js'
import { createTestDatabase } from '../helpers/database.js'
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js'
import { spawnScript } from '../helpers/server-process.js'

const run = promisify(execFile)
const BASE = 'https://edge.example.com'
const OURS = {
  voice_url: `${BASE}/twilio/voice`,
  voice_fallback_url: `${BASE}/twilio/voice/fallback`,
  status_callback: `${BASE}/twilio/voice/status`,
  sms_url: `${BASE}/twilio/sms`,
}

/**
 * The account and the database, differing in every way reconcile knows:
 *   inSync       bought through did-edge (explicit URLs), Twilio agrees
 *   registered   registered with null URLs (= did-edge's own), Twilio points at did-edge
 *   drifted      Twilio's voice URL and SMS method were changed in the Console
 *   gone         a live row whose SID Twilio no longer has
 *   otherAccount a row of another Twilio account (not compared)
 *   released     released in did-edge, still on the Twilio account
 *   stray        on the Twilio account, never in did-edge
 */
async function scenario(t: Parameters<typeof createTestDatabase>[0], fake: FakeTwilio) {
  const { db, url } = await createTestDatabase(t, { migrate: true })
  const prisma = db.prisma
  const user = await prisma.user.create({ data: { email: `r-${randomBytes(3).toString('hex')}@example.com`, password: 'x', firstName: 'R', lastName: 'C' } })
  const row = (phoneNumber: string, sid: string, extra: Partial<NumberRow> = {}) =>
    prisma.number.create({
      data: {
        phoneNumber, twilioSid: sid, twilioAccountSid: fake.accountSid, countryCode: 'US', numberType: 'LOCAL',
        monthlyPrice: '1.15', userId: user.id, ...extra,
      } as Parameters<typeof prisma.number.create>[0]['data'],
    })
  const inSync = await row('+15035550101', fake.own('+15035550101', OURS).sid, newNumberWebhookColumns(BASE))
  const registered = await row('+15035550102', fake.own('+15035550102', OURS).sid)
  const drifted = await row('+15035550103', fake.own('+15035550103', { ...OURS, voice_url: 'https://old.example.com/voice', sms_method: 'GET' }).sid, newNumberWebhookColumns(BASE))
  const gone = await row('+15035550104', `PN${'4'.repeat(32)}`)
  const otherAccount = await row('+15035550105', `PN${'5'.repeat(32)}`, { twilioAccountSid: `AC${'0'.repeat(32)}` })
  const released = await row('+15035550106', fake.own('+15035550106', OURS).sid, { status: 'RELEASED', releasedAt: new Date() })
  const stray = fake.own('+15035550107', { voice_url: 'https://elsewhere.example.com/voice' })
  await prisma.webhookEndpoint.create({ data: { userId: user.id, url: 'https://hooks.example.com/x', secret: 'whsec_x', events: ['NUMBER_RELEASED'], retryPolicy: {} } })
  return { db, url, prisma, inSync, registered, drifted, gone, otherAccount, released, stray }
}

t.test('reconcile (the module)', async (t) => {
  const fake = await startFakeTwilio(t)
  // Five numbers at Twilio, two per page: the list must follow next_page_uri.
  fake.maxPageSize = 2
  const s = await scenario(t, fake)
  const twilio = new TwilioNumbers(createTwilioClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.url }), fake.accountSid)

  t.test('reports every difference and changes nothing without --fix', async (t) => {
    const before = await s.prisma.number.findMany({ orderBy: { id: 'asc' } })
    const report = await reconcile({ prisma: s.prisma, twilio, publicBaseUrl: BASE, fix: false })
    t.ok(fake.requestsTo('GET', /IncomingPhoneNumbers\.json$/).some((r) => r.query.Page === '2'), 'read every page')
    t.match(report, { accountSid: fake.accountSid, atTwilio: 5, compared: 4, otherAccounts: 1, fix: false })
    t.same(report.unknownToDidEdge, [
      { sid: s.released.twilioSid, phoneNumber: '+15035550106', friendlyName: '+15035550106', releasedNumberId: s.released.id },
      { sid: s.stray.sid, phoneNumber: '+15035550107', friendlyName: '+15035550107', releasedNumberId: null },
    ])
    t.same(report.missingAtTwilio, [
      { numberId: s.gone.id, phoneNumber: '+15035550104', twilioSid: s.gone.twilioSid, userId: s.gone.userId, twilioHasItAs: null, fixed: false },
    ])
    t.same(report.webhookMismatches, [
      {
        numberId: s.drifted.id,
        phoneNumber: '+15035550103',
        twilioSid: s.drifted.twilioSid,
        fields: [
          { field: 'voiceUrl', expected: `${BASE}/twilio/voice`, actual: 'https://old.example.com/voice' },
          { field: 'smsMethod', expected: 'POST', actual: 'GET' },
        ],
        fixed: false,
        error: null,
      },
    ])
    t.ok(hasOutstandingDifferences(report))
    const text = formatReport(report)
    t.match(text, /webhooks differ: \+15035550103 .*voiceUrl is "https:\/\/old\.example\.com\/voice", should be "https:\/\/edge\.example\.com\/twilio\/voice"/)
    t.match(text, /missing at Twilio: \+15035550104/)
    t.match(text, /unknown to did-edge: \+15035550106 .* was released in did-edge/)
    t.match(text, /run with --fix/)
    t.same(await s.prisma.number.findMany({ orderBy: { id: 'asc' } }), before, 'no row changed')
    t.equal(fake.requests.filter((r) => r.method !== 'GET').length, 0, 'nothing changed at Twilio')
  })

  t.test('--fix rewrites the drifted webhooks at Twilio and releases the missing row, and never buys or releases at Twilio', async (t) => {
    const report = await reconcile({ prisma: s.prisma, twilio, publicBaseUrl: BASE, fix: true })
    t.match(report.webhookMismatches, [{ numberId: s.drifted.id, fixed: true }])
    t.match(report.missingAtTwilio, [{ numberId: s.gone.id, fixed: true }])
    t.equal(report.unknownToDidEdge.length, 2, 'unknown numbers are reported, not touched')
    t.ok(hasOutstandingDifferences(report), 'the unknown numbers remain')

    t.match(fake.owned.get(s.drifted.twilioSid), { voice_url: `${BASE}/twilio/voice`, sms_method: 'POST' })
    const writes = fake.requests.filter((r) => r.method !== 'GET')
    t.same(writes.map((r) => `${r.method} ${r.path.split('/').at(-1)}`), [`POST ${s.drifted.twilioSid}.json`], 'one update, no purchase, no release')
    const gone = await s.prisma.number.findUniqueOrThrow({ where: { id: s.gone.id } })
    t.equal(gone.status, 'RELEASED')
    t.ok(gone.releasedAt)
    const [delivery] = await s.prisma.webhookDelivery.findMany({ where: { event: 'NUMBER_RELEASED' } })
    t.match(delivery?.payload, { data: { numberId: s.gone.id, reason: /reconciliation/ } })
    t.equal((await s.prisma.number.findUniqueOrThrow({ where: { id: s.otherAccount.id } })).status, 'ACTIVE', 'other accounts are left alone')

    const again = await reconcile({ prisma: s.prisma, twilio, publicBaseUrl: BASE, fix: false })
    t.same([again.missingAtTwilio, again.webhookMismatches], [[], []], 'a second run finds only the unknown numbers')
    t.equal(again.compared, 3)
  })

  t.test("a Twilio error while listing rejects with Twilio's error, before anything is changed", async (t) => {
    fake.fail({ method: 'GET', path: /IncomingPhoneNumbers\.json$/, status: 401, code: 20003, message: 'Authenticate', times: 1 })
    await t.rejects(reconcile({ prisma: s.prisma, twilio, publicBaseUrl: BASE, fix: true }), { code: 20003, status: 401 })
  })
})

t.test('npm run twilio:reconcile (the process)', async (t) => {
  const fake = await startFakeTwilio(t)
  const s = await scenario(t, fake)
  const env = { ...fake.env, DATABASE_URL: s.url, PUBLIC_BASE_URL: BASE, NODE_ENV: 'test', LOG_LEVEL: 'silent' }

  const report = spawnScript(t, 'src/twilio/reconcile-cli.ts', env)
  t.equal(await report.exited, 2, 'differences remain: exit 2')
  t.match(report.output(), /5 number\(s\) at Twilio, 4 live row\(s\) compared, 1 row\(s\) of other accounts skipped/)
  t.match(report.output(), /webhooks differ: \+15035550103/)
  t.match(report.output(), /missing at Twilio: \+15035550104/)
  t.equal(fake.requests.filter((r) => r.method !== 'GET').length, 0, 'a report changes nothing at Twilio')
  t.equal((await s.prisma.number.findUniqueOrThrow({ where: { id: s.gone.id } })).status, 'ACTIVE', 'nor in the database')

  // spawnScript takes no arguments: the same command line with --fix --json.
  const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/twilio/reconcile-cli.ts', '--fix', '--json'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  )
  t.equal(code, 2, `the unknown numbers remain (${stderr})`)
  const json = JSON.parse(stdout)
  t.match(json, { fix: true, missingAtTwilio: [{ numberId: s.gone.id, fixed: true }], webhookMismatches: [{ numberId: s.drifted.id, fixed: true }] })
  t.equal((await s.prisma.number.findUniqueOrThrow({ where: { id: s.gone.id } })).status, 'RELEASED')
  t.equal(fake.owned.get(s.drifted.twilioSid)?.voice_url, `${BASE}/twilio/voice`)
})

t.test('the CLI without Twilio credentials exits 1 naming what is missing', async (t) => {
  const { url } = await createTestDatabase(t)
  const cli = spawnScript(t, 'src/twilio/reconcile-cli.ts', { DATABASE_URL: url, NODE_ENV: 'test' })
  t.equal(await cli.exited, 1)
  t.match(cli.output(), /^twilio:reconcile: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required/)
})
