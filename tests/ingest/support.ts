// Shared by the ingest tests: databases, owners and numbers, event builders, polling.
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/database.js'
import type {
  CallStartedEvent,
  CallStatusEvent,
  IngestEvent,
  NumberRef,
  SmsReceivedEvent,
  SmsStatusEvent,
} from '../../src/ingest/events.js'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import { createTestDatabase, asAdmin } from '../helpers/database.js'

/** A migrated database of the given kind, closed (and dropped) when the test ends. */
export async function migratedDatabase(t: Test, kind: Database['kind']): Promise<Database> {
  if (kind === 'postgres') return (await createTestDatabase(t, { migrate: true })).db
  const db = await openDatabase({ dataDir: 'memory://', poolMax: 1 })
  t.teardown(() => db.close())
  await db.migrate()
  return db
}

export function uniqueId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`
}

/** A user owning one number; returns the NumberRef the webhooks would put on events. */
export async function createOwnedNumber(
  prisma: PrismaClient,
  options: { countryCode?: string; numberType?: 'LOCAL' | 'MOBILE' | 'TOLL_FREE' } = {},
): Promise<NumberRef & { phoneNumber: string }> {
  const tag = randomBytes(6).toString('hex')
  const user = await prisma.user.create({
    data: { email: `owner-${tag}@example.com`, password: 'x', firstName: 'Owner', lastName: tag },
  })
  const number = await prisma.number.create({
    data: {
      // E.164 (chk_phone_number_format): +1 and ten digits from the random tag.
      phoneNumber: `+1${String(2_000_000_000 + (parseInt(tag.slice(0, 8), 16) % 7_000_000_000))}`,
      twilioSid: `PN${tag}`,
      twilioAccountSid: 'AC0123',
      countryCode: options.countryCode ?? 'US',
      numberType: options.numberType ?? 'LOCAL',
      monthlyPrice: '1.1500',
      userId: user.id,
    },
  })
  return {
    numberId: number.id,
    userId: user.id,
    countryCode: number.countryCode,
    numberType: number.numberType,
    phoneNumber: number.phoneNumber,
  }
}

const T0 = Date.parse('2026-03-10T14:00:00.000Z')

/** Twilio's Timestamp (RFC 2822) for a moment `seconds` after the test calls' start. */
export function twilioTimestamp(seconds: number): string {
  return new Date(T0 + seconds * 1000).toUTCString().replace('GMT', '+0000')
}

export function callStartedEvent(ref: NumberRef | null, callSid: string, overrides: Partial<CallStartedEvent> = {}): CallStartedEvent {
  return {
    kind: 'call.started',
    at: T0,
    callSid,
    accountSid: 'AC0123',
    from: '+12125550142',
    to: '+14155550100',
    direction: 'inbound',
    callStatus: 'ringing',
    geography: { fromCity: 'NEW YORK', fromState: 'NY', fromCountry: 'US', toCountry: 'US' },
    number: ref,
    configurationId: 'cfg_1',
    ruleId: 'vip',
    reason: 'rule_matched',
    ...overrides,
  }
}

/** A status callback `seconds` after the call's start, with SequenceNumber `seq`. */
export function callStatusEvent(
  ref: NumberRef | null,
  callSid: string,
  callStatus: string,
  seq: number,
  seconds: number,
  overrides: Partial<CallStatusEvent> = {},
): CallStatusEvent {
  return {
    kind: 'call.status',
    at: T0 + seconds * 1000 + 150,
    callSid,
    accountSid: 'AC0123',
    from: '+12125550142',
    to: '+14155550100',
    direction: 'inbound',
    callStatus,
    sequenceNumber: seq,
    callDuration: null,
    timestamp: twilioTimestamp(seconds),
    recordingUrl: null,
    recordingSid: null,
    geography: { fromCity: 'NEW YORK', fromState: 'NY', fromCountry: 'US', toCountry: 'US' },
    number: ref,
    ...overrides,
  }
}

/** A full call: started, then ringing, answered after 5 s, completed after `talk` more seconds. */
export function callLifecycle(ref: NumberRef | null, callSid: string, talk = 61): IngestEvent[] {
  return [
    callStartedEvent(ref, callSid),
    callStatusEvent(ref, callSid, 'initiated', 0, 0),
    callStatusEvent(ref, callSid, 'ringing', 1, 1),
    callStatusEvent(ref, callSid, 'in-progress', 2, 5),
    callStatusEvent(ref, callSid, 'completed', 3, 5 + talk, {
      callDuration: talk,
      recordingUrl: `https://api.twilio.com/recordings/RE${callSid}`,
      recordingSid: `RE${callSid}`,
    }),
  ]
}

export function smsReceivedEvent(ref: NumberRef | null, messageSid: string, overrides: Partial<SmsReceivedEvent> = {}): SmsReceivedEvent {
  return {
    kind: 'sms.received',
    at: T0,
    messageSid,
    accountSid: 'AC0123',
    from: '+12125550142',
    to: '+14155550100',
    body: 'Hello there',
    mediaUrls: [],
    numSegments: 1,
    geography: { fromCountry: 'US' },
    number: ref,
    ...overrides,
  }
}

export function smsStatusEvent(ref: NumberRef | null, messageSid: string, messageStatus: string, seconds: number, overrides: Partial<SmsStatusEvent> = {}): SmsStatusEvent {
  return {
    kind: 'sms.status',
    at: T0 + seconds * 1000,
    messageSid,
    accountSid: 'AC0123',
    from: '+14155550100',
    to: '+12125550142',
    messageStatus,
    errorCode: null,
    number: ref,
    ...overrides,
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing shuffle can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Polls `check` until it returns something other than undefined/false; throws after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A workload on one number: `calls` full calls (5 events each) and `messages` inbound messages. */
export function workload(ref: NumberRef | null, calls: number, messages: number): { events: IngestEvent[]; callSids: string[]; messageSids: string[] } {
  const callSids = Array.from({ length: calls }, () => uniqueId('CA'))
  const messageSids = Array.from({ length: messages }, () => uniqueId('SM'))
  const events = [
    ...callSids.flatMap((sid) => callLifecycle(ref, sid, 61)),
    ...messageSids.map((sid) => smsReceivedEvent(ref, sid, { numSegments: 2 })),
  ]
  return { events, callSids, messageSids }
}

/**
 * Waits until the workload is fully written, then checks it was written exactly once: one row
 * per call and message, every call completed, one usage record each, counters equal to rows.
 */
export async function expectWrittenOnce(
  t: Test,
  prisma: PrismaClient,
  ref: NumberRef,
  work: { callSids: string[]; messageSids: string[] },
  ms = 30_000,
): Promise<void> {
  const sids = [...work.callSids, ...work.messageSids]
  await eventually(
    'every call completed and every message and bill written',
    async () => {
      const completed = await prisma.callLog.count({ where: { twilioCallSid: { in: work.callSids }, status: 'COMPLETED' } })
      const messages = await prisma.smsLog.count({ where: { twilioMessageSid: { in: work.messageSids } } })
      const usage = await prisma.usageRecord.count({ where: { resourceId: { in: sids } } })
      return completed === work.callSids.length && messages === work.messageSids.length && usage === sids.length
    },
    ms,
  )
  const number = await prisma.number.findUniqueOrThrow({ where: { id: ref.numberId } })
  t.equal(await prisma.callLog.count({ where: { numberId: ref.numberId } }), work.callSids.length, 'one call log per call')
  t.equal(await prisma.smsLog.count({ where: { numberId: ref.numberId } }), work.messageSids.length, 'one SMS log per message')
  t.equal(number.totalCalls, work.callSids.length, 'total_calls counts each call once')
  t.equal(number.totalSms, work.messageSids.length, 'total_sms counts each message once')
  const usage = await prisma.usageRecord.groupBy({ by: ['resourceId'], where: { resourceId: { in: sids } }, _count: true })
  t.ok(usage.every((u) => u._count === 1) && usage.length === sids.length, 'one usage record per call and message')
}



/** Makes a test database refuse connections and drops the open ones: Postgres "down" for it. */
export async function cutDatabase(name: string): Promise<void> {
  await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`)
  await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
}

/** Lets a database cut by cutDatabase accept connections again. */
export async function restoreDatabase(name: string): Promise<void> {
  await asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`)
}
