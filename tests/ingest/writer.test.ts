// writeBatch against the real schema, on Postgres (adapter-pg) and PGlite (pglite-prisma-adapter):
// call and SMS logs, status ordering, counters and usage, under repeats and any order.
import t from 'tap'
import type { Database } from '../../src/db/database.js'
import type { IngestEvent, NumberRef } from '../../src/ingest/events.js'
import { parseRateCard } from '../../src/ingest/rate-card.js'
import { writeBatch } from '../../src/ingest/writer.js'
import type { PrismaClient } from '../../src/generated/prisma/client.js'
import {
  callLifecycle,
  callStartedEvent,
  callStatusEvent,
  createOwnedNumber,
  migratedDatabase,
  seededRandom,
  shuffle,
  smsReceivedEvent,
  smsStatusEvent,
  twilioTimestamp,
  uniqueId,
} from './support.js'

const card = parseRateCard(undefined)
const NOW = new Date('2026-03-10T15:00:00.000Z')

async function write(prisma: PrismaClient, events: IngestEvent[]) {
  return writeBatch(prisma, events, card, NOW)
}

/** Everything the pipeline decides about one call, minus the generated ids. */
async function callState(prisma: PrismaClient, callSid: string) {
  const row = await prisma.callLog.findUnique({ where: { twilioCallSid: callSid } })
  const usage = await prisma.usageRecord.findMany({ where: { resourceId: callSid } })
  const number = row?.numberId ? await prisma.number.findUnique({ where: { id: row.numberId } }) : null
  return {
    row: row && {
      status: row.status,
      direction: row.direction,
      from: row.fromNumber,
      to: row.toNumber,
      answerTime: row.answerTime?.toISOString() ?? null,
      endTime: row.endTime?.toISOString() ?? null,
      duration: row.duration,
      billableDuration: row.billableDuration,
      recordingUrl: row.recordingUrl,
      recordingSid: row.recordingSid,
      callReason: row.callReason,
      tags: row.tags,
      geography: [row.fromCity, row.fromState, row.fromCountry, row.toCity, row.toState, row.toCountry],
      createdAt: row.createdAt.toISOString(),
    },
    usage: usage.map((u) => ({
      type: u.recordType,
      quantity: u.quantity.toFixed(4),
      unit: u.unit,
      unitPrice: u.unitPrice.toFixed(4),
      totalCost: u.totalCost.toFixed(4),
      currency: u.currency,
      usageDate: u.usageDate.toISOString(),
      billingPeriod: u.billingPeriod,
    })),
    counters: number && { totalCalls: number.totalCalls, lastUsedAt: number.lastUsedAt?.toISOString() ?? null },
  }
}

// The same call, under another CallSid and on another number, so each run starts clean.
function lifecycleOf(ref: NumberRef, callSid: string): IngestEvent[] {
  return callLifecycle(ref, callSid, 61).map((e) =>
    e.kind === 'call.status' && e.recordingUrl !== null
      ? { ...e, recordingUrl: 'https://api.twilio.com/recordings/RE1', recordingSid: 'RE1' }
      : e,
  )
}

for (const kind of ['postgres', 'pglite'] as const) {
  t.test(`${kind}: the writer`, async (t) => {
    const db: Database = await migratedDatabase(t, kind)
    const { prisma } = db

    t.test('a call written callback by callback, in order, ends completed with its times, recording and reason', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('CA')
      for (const event of lifecycleOf(ref, sid)) await write(prisma, [event])

      const { row, usage, counters } = await callState(prisma, sid)
      t.same(row, {
        status: 'COMPLETED',
        direction: 'INBOUND',
        from: '+12125550142',
        to: '+14155550100',
        answerTime: new Date(Date.parse(twilioTimestamp(66)) - 61_000).toISOString(),
        endTime: new Date(Date.parse(twilioTimestamp(66))).toISOString(),
        duration: 61,
        billableDuration: 61,
        recordingUrl: 'https://api.twilio.com/recordings/RE1',
        recordingSid: 'RE1',
        callReason: 'rule:vip',
        tags: ['reason:rule_matched', 'configuration:cfg_1'],
        geography: ['NEW YORK', 'NY', 'US', null, null, 'US'],
        createdAt: '2026-03-10T14:00:00.000Z',
      })
      t.same(usage, [{
        type: 'VOICE_MINUTES',
        quantity: '2.0000',
        unit: 'minutes',
        unitPrice: '0.0085',
        totalCost: '0.0170',
        currency: 'USD',
        usageDate: '2026-03-10T14:01:06.000Z',
        billingPeriod: '2026-03',
      }], '61 s bill as 2 minutes')
      t.same(counters, { totalCalls: 1, lastUsedAt: '2026-03-10T14:00:00.000Z' })
    })

    t.test('the same callbacks shuffled, repeated and split into random batches end in the same final state', async (t) => {
      const referenceRef = await createOwnedNumber(prisma)
      const referenceSid = uniqueId('CA')
      for (const event of lifecycleOf(referenceRef, referenceSid)) await write(prisma, [event])
      const expected = await callState(prisma, referenceSid)

      const random = seededRandom(20261125)
      for (let run = 0; run < 8; run++) {
        const ref = await createOwnedNumber(prisma)
        const sid = uniqueId('CA')
        const events = lifecycleOf(ref, sid)
        const repeated = [...events, ...events.filter(() => random() < 0.5), events[4]!, events[4]!]
        const order = shuffle(repeated, random)
        while (order.length > 0) await write(prisma, order.splice(0, 1 + Math.floor(random() * 3)))
        // last_used_at is left out: it is the time of the events that created the row, which
        // depends on which batch came first.
        const state = await callState(prisma, sid)
        t.same({ ...state, counters: { ...state.counters, lastUsedAt: null } }, { ...expected, counters: { ...expected.counters, lastUsedAt: null } }, `permutation ${run + 1} (seed 20261125)`)
      }
    })

    t.test('a late ringing or in-progress never overwrites completed, and a terminal status is never replaced', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('CA')
      await write(prisma, [callStartedEvent(ref, sid), callStatusEvent(ref, sid, 'completed', 3, 40, { callDuration: 30 })])
      await write(prisma, [callStatusEvent(ref, sid, 'ringing', 1, 1)])
      await write(prisma, [callStatusEvent(ref, sid, 'in-progress', 2, 12)])
      const result = await write(prisma, [callStatusEvent(ref, sid, 'busy', 4, 50, { callDuration: 0 })])
      t.same(result['call.status'], { written: 0, duplicate: 1, skipped: 0 }, 'the late busy changed nothing')
      const { row } = await callState(prisma, sid)
      t.equal(row?.status, 'COMPLETED')
      t.equal(row?.duration, 30)
      t.equal(row?.billableDuration, 30)
      t.equal(row?.answerTime, new Date(Date.parse(twilioTimestamp(40)) - 30_000).toISOString(), 'answer time = end − duration')
    })

    t.test('a status callback that overtakes call.started creates the row; call.started then adds the routing reason', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('CA')
      await write(prisma, [callStatusEvent(ref, sid, 'in-progress', 2, 5)])
      let { row, counters } = await callState(prisma, sid)
      t.equal(row?.status, 'ANSWERED')
      t.equal(row?.callReason, null)
      t.equal(row?.answerTime, new Date(Date.parse(twilioTimestamp(5))).toISOString())
      t.equal(counters?.totalCalls, 1)

      const result = await write(prisma, [callStartedEvent(ref, sid)])
      t.same(result['call.started'], { written: 1, duplicate: 0, skipped: 0 })
      ;({ row, counters } = await callState(prisma, sid))
      t.equal(row?.status, 'ANSWERED', 'ringing from call.started does not move the status back')
      t.equal(row?.callReason, 'rule:vip')
      t.equal(row?.createdAt, '2026-03-10T14:00:00.000Z', 'created_at is the earliest event')
      t.equal(counters?.totalCalls, 1, 'the call counts once')
    })

    t.test('a completed call is billed exactly once when completed arrives three times in different batches', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('CA')
      const completed = callStatusEvent(ref, sid, 'completed', 3, 100, { callDuration: 95 })
      await write(prisma, [callStartedEvent(ref, sid), completed])
      await write(prisma, [completed])
      await write(prisma, [{ ...completed, at: completed.at + 30_000 }, completed])
      const usage = await prisma.usageRecord.findMany({ where: { resourceId: sid } })
      t.equal(usage.length, 1)
      t.equal(usage[0]?.quantity.toFixed(0), '2')
      t.equal(usage[0]?.totalCost.toFixed(4), '0.0170')
    })

    t.test('a completed callback without CallDuration, repeated with it, bills the call once with that duration', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const bare = (sid: string) => callStatusEvent(ref, sid, 'completed', 3, 100)
      const measured = (sid: string) => callStatusEvent(ref, sid, 'completed', 3, 101, { callDuration: 95 })
      const answerTime = new Date(Date.parse(twilioTimestamp(101)) - 95_000).toISOString()
      const cases: [name: string, batches: (sid: string) => IngestEvent[][]][] = [
        ['in separate batches', (sid) => [[callStartedEvent(ref, sid), bare(sid)], [measured(sid)], [measured(sid)]]],
        ['in one batch', (sid) => [[callStartedEvent(ref, sid), bare(sid), measured(sid), measured(sid)]]],
        ['the bare one again after', (sid) => [[bare(sid)], [measured(sid)], [bare(sid), measured(sid)]]],
      ]
      for (const [name, batches] of cases) {
        const sid = uniqueId('CA')
        for (const batch of batches(sid)) await write(prisma, batch)
        const { row, usage } = await callState(prisma, sid)
        t.match(row, { status: 'COMPLETED', duration: 95, billableDuration: 95, endTime: new Date(Date.parse(twilioTimestamp(101))).toISOString(), answerTime }, `${name}: the call has its duration`)
        t.same(usage.map((u) => [u.quantity, u.totalCost]), [['2.0000', '0.0170']], `${name}: one usage record, 95 s as 2 minutes`)
      }

      const sid = uniqueId('CA')
      await write(prisma, [callStatusEvent(ref, sid, 'completed', 3, 100, { callDuration: 40 })])
      const result = await write(prisma, [callStatusEvent(ref, sid, 'completed', 3, 101, { callDuration: 95 })])
      t.same(result['call.status'], { written: 0, duplicate: 1, skipped: 0 }, 'a duration once stored is never replaced')
      t.equal((await callState(prisma, sid)).row?.duration, 40)
    })

    t.test('NUL and lone surrogates in any text of an event are written cleaned, never refused', async (t) => {
      // Events built by older servers, or already in the stream, were never cleaned.
      const ref = await createOwnedNumber(prisma)
      const callSid = uniqueId('CA')
      const messageSid = uniqueId('SM')
      const dirty = (text: string) => `${text}\u0000\uD800`
      const started = callStartedEvent(ref, dirty(callSid), { from: dirty('+12125550142'), accountSid: dirty('AC0123') })
      const result = await write(prisma, [
        { ...started, geography: { fromCity: dirty('NEW YORK'), toCity: '\uDC00' } },
        callStatusEvent(ref, dirty(callSid), 'completed', 3, 70, { callDuration: 65, recordingUrl: dirty('https://api.twilio.com/RE1'), recordingSid: dirty('RE1') }),
        smsReceivedEvent(ref, messageSid, { body: dirty('hello') + ' 😀', from: dirty('+19175550100'), mediaUrls: [dirty('https://api.twilio.com/ME1')] }),
        smsStatusEvent(ref, dirty(uniqueId('SM')), 'delivered', 2, { errorCode: dirty('30003') }),
      ])
      t.same(result['call.started'], { written: 1, duplicate: 0, skipped: 0 })
      t.same(result['sms.status'], { written: 1, duplicate: 0, skipped: 0 })
      const call = await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: `${callSid}\uFFFD` } })
      t.match(call, { fromNumber: '+12125550142\uFFFD', twilioAccountSid: 'AC0123\uFFFD', fromCity: 'NEW YORK\uFFFD', toCity: '\uFFFD', recordingSid: 'RE1\uFFFD', billableDuration: 65 })
      const sms = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: messageSid } })
      t.same([sms.body, sms.fromNumber, sms.mediaUrls], ['hello\uFFFD 😀', '+19175550100\uFFFD', ['https://api.twilio.com/ME1\uFFFD']])
      t.equal(await prisma.usageRecord.count({ where: { resourceId: { in: [`${callSid}\uFFFD`, messageSid] } } }), 2, 'both billed')
    })

    t.test('a Timestamp far from when the callback arrived is not taken as the call end', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const cases = ['Mon, 01 Jan 20000 00:00:00 +0000', 'Sat, 01 Jan 2000 00:00:00 +0000', 'not a date']
      for (const timestamp of cases) {
        const sid = uniqueId('CA')
        const completed = callStatusEvent(ref, sid, 'completed', 3, 30, { callDuration: 25, timestamp })
        await write(prisma, [completed])
        const { row } = await callState(prisma, sid)
        t.equal(row?.endTime, new Date(completed.at).toISOString(), `${timestamp}: the end is when did-edge received it`)
      }
    })

    t.test('minutes are rounded up, unanswered calls are not billed, and the billing account is created once', async (t) => {
      const ref = await createOwnedNumber(prisma, { numberType: 'TOLL_FREE' })
      const cases: [status: string, seconds: number, minutes: string | null][] = [
        ['completed', 1, '1'],
        ['completed', 60, '1'],
        ['completed', 61, '2'],
        ['completed', 3600, '60'],
        ['completed', 0, null],
        ['busy', 0, null],
        ['no-answer', 0, null],
        ['failed', 0, null],
        ['canceled', 0, null],
      ]
      const sids = cases.map(() => uniqueId('CA'))
      await write(prisma, cases.map(([status, seconds], i) => callStatusEvent(ref, sids[i]!, status, 3, 10 + seconds, { callDuration: seconds })))
      for (const [i, [status, seconds, minutes]] of cases.entries()) {
        const usage = await prisma.usageRecord.findMany({ where: { resourceId: sids[i]! } })
        const row = await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: sids[i]! } })
        t.equal(row.billableDuration, status === 'completed' ? seconds : 0, `${status} ${seconds} s: billable duration`)
        t.same(usage.map((u) => u.quantity.toFixed(0)), minutes === null ? [] : [minutes], `${status} ${seconds} s: minutes billed`)
        if (minutes !== null) t.equal(usage[0]?.unitPrice.toFixed(4), '0.0220', 'toll-free rate')
      }
      t.equal(await prisma.billingAccount.count({ where: { userId: ref.userId } }), 1)
      const account = await prisma.billingAccount.findUniqueOrThrow({ where: { userId: ref.userId } })
      t.same(account.billingAddress, {})
      t.equal(await prisma.usageRecord.count({ where: { billingAccountId: account.id } }), 4)
    })

    t.test('total_calls counts each call once, however its events repeat', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const calls = [uniqueId('CA'), uniqueId('CA'), uniqueId('CA')]
      const events = calls.flatMap((sid) => [callStartedEvent(ref, sid), callStatusEvent(ref, sid, 'ringing', 1, 1)])
      await write(prisma, [...events, ...events])
      await write(prisma, events)
      const number = await prisma.number.findUniqueOrThrow({ where: { id: ref.numberId } })
      t.equal(number.totalCalls, 3)
      t.equal(await prisma.callLog.count({ where: { numberId: ref.numberId } }), 3)
    })

    t.test('an inbound message is logged once, counted once and billed per segment', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('SM')
      const message = smsReceivedEvent(ref, sid, { numSegments: 3, body: 'x'.repeat(400), mediaUrls: ['https://api.twilio.com/media/ME1'] })
      const first = await write(prisma, [message, message])
      t.same(first['sms.received'], { written: 2, duplicate: 0, skipped: 0 })
      const again = await write(prisma, [message])
      t.same(again['sms.received'], { written: 0, duplicate: 1, skipped: 0 })

      const row = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: sid } })
      t.equal(row.direction, 'INBOUND')
      t.equal(row.status, 'DELIVERED', "Twilio's 'received' is stored as DELIVERED")
      t.equal(row.body.length, 400)
      t.same(row.mediaUrls, ['https://api.twilio.com/media/ME1'])
      t.equal(row.deliveredAt?.toISOString(), '2026-03-10T14:00:00.000Z')
      const number = await prisma.number.findUniqueOrThrow({ where: { id: ref.numberId } })
      t.equal(number.totalSms, 1)
      t.equal(number.lastUsedAt?.toISOString(), '2026-03-10T14:00:00.000Z')
      const usage = await prisma.usageRecord.findMany({ where: { resourceId: sid } })
      t.same(
        usage.map((u) => [u.recordType, u.quantity.toFixed(0), u.unit, u.unitPrice.toFixed(4), u.totalCost.toFixed(4), u.billingPeriod]),
        [['SMS_MESSAGE', '3', 'segments', '0.0079', '0.0237', '2026-03']],
      )
    })

    t.test('text with quotes, backslashes, line breaks, braces and emoji is stored exactly as received', async (t) => {
      // The rows reach Postgres as one JSON document (sql-values.ts): every character that JSON
      // escapes, or that looks like JSON or like a Postgres array literal, must come out as it went in.
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('SM')
      const body = 'He said "hi" \\ C:\\path\n\ttab {"kind":"x"} {a,b} NULL null 😀 ünïcødé \u2028 end'
      const media = ['https://api.twilio.com/media/ME1?a="1"&b={2}', 'https://api.twilio.com/media/ME2,ME3']
      await write(prisma, [smsReceivedEvent(ref, sid, { body, mediaUrls: media })])
      const row = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: sid } })
      t.equal(row.body, body)
      t.same(row.mediaUrls, media)

      const callSid = uniqueId('CA')
      const started = callStartedEvent(ref, callSid)
      await write(prisma, [{ ...started, geography: { ...started.geography, fromCity: 'SAINT-JEAN "D\'ACRE" \\ 😀' } }])
      const call = await prisma.callLog.findUniqueOrThrow({ where: { twilioCallSid: callSid } })
      t.equal(call.fromCity, 'SAINT-JEAN "D\'ACRE" \\ 😀')
    })

    t.test('message status only moves forward, in any order, and failures are final', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const random = seededRandom(7)
      const progression = (sid: string) => [
        smsStatusEvent(ref, sid, 'queued', 0),
        smsStatusEvent(ref, sid, 'sending', 1),
        smsStatusEvent(ref, sid, 'sent', 2),
        smsStatusEvent(ref, sid, 'delivered', 5),
      ]
      for (let run = 0; run < 4; run++) {
        const sid = uniqueId('SM')
        const events = shuffle([...progression(sid), ...progression(sid).slice(1, 3)], random)
        while (events.length > 0) await write(prisma, events.splice(0, 1 + Math.floor(random() * 2)))
        const row = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: sid } })
        t.same(
          [row.status, row.direction, row.body, row.sentAt?.toISOString(), row.deliveredAt?.toISOString()],
          ['DELIVERED', 'OUTBOUND', '', '2026-03-10T14:00:02.000Z', '2026-03-10T14:00:05.000Z'],
          `run ${run + 1}: created by its first callback, ends delivered`,
        )
      }

      const failed = uniqueId('SM')
      await write(prisma, [smsStatusEvent(ref, failed, 'undelivered', 9, { errorCode: '30003' })])
      await write(prisma, [smsStatusEvent(ref, failed, 'sent', 2), smsStatusEvent(ref, failed, 'failed', 10, { errorCode: '30008' })])
      const row = await prisma.smsLog.findUniqueOrThrow({ where: { twilioMessageSid: failed } })
      t.same([row.status, row.errorCode, row.sentAt?.toISOString()], ['UNDELIVERED', '30003', '2026-03-10T14:00:02.000Z'])

      const number = await prisma.number.findUniqueOrThrow({ where: { id: ref.numberId } })
      t.equal(number.totalSms, 5, 'every message row counts once')
      t.equal(await prisma.usageRecord.count({ where: { resourceId: failed } }), 0, 'status callbacks bill nothing')
    })

    t.test("an unknown number's events are skipped and write nothing", async (t) => {
      const callSid = uniqueId('CA')
      const messageSid = uniqueId('SM')
      const result = await write(prisma, [
        callStartedEvent(null, callSid),
        callStatusEvent(null, callSid, 'completed', 3, 20, { callDuration: 20 }),
        smsReceivedEvent(null, messageSid),
        smsStatusEvent(null, messageSid, 'delivered', 1),
      ])
      t.same(result, {
        'call.started': { written: 0, duplicate: 0, skipped: 1 },
        'call.status': { written: 0, duplicate: 0, skipped: 1 },
        'sms.received': { written: 0, duplicate: 0, skipped: 1 },
        'sms.status': { written: 0, duplicate: 0, skipped: 1 },
      })
      t.equal(await prisma.callLog.count({ where: { twilioCallSid: callSid } }), 0)
      t.equal(await prisma.smsLog.count({ where: { twilioMessageSid: messageSid } }), 0)
    })

    t.test('a status word Twilio may add later is skipped, not guessed', async (t) => {
      const ref = await createOwnedNumber(prisma)
      const sid = uniqueId('CA')
      const result = await write(prisma, [callStatusEvent(ref, sid, 'teleported', 5, 5)])
      t.same(result['call.status'], { written: 0, duplicate: 0, skipped: 1 })
      t.equal(await prisma.callLog.count({ where: { twilioCallSid: sid } }), 0)
    })

    t.test('rates come from the rate card by country and number type', async (t) => {
      const gb = await createOwnedNumber(prisma, { countryCode: 'GB', numberType: 'MOBILE' })
      const custom = parseRateCard(JSON.stringify({
        currency: 'USD',
        countries: { GB: { voicePerMinute: { MOBILE: '0.0200' }, smsPerSegment: { default: 0.04 } } },
      }))
      const callSid = uniqueId('CA')
      const messageSid = uniqueId('SM')
      await writeBatch(prisma, [
        callStatusEvent(gb, callSid, 'completed', 3, 200, { callDuration: 150 }),
        smsReceivedEvent(gb, messageSid, { numSegments: 2 }),
      ], custom, NOW)
      const usage = await prisma.usageRecord.findMany({ where: { resourceId: { in: [callSid, messageSid] } }, orderBy: { recordType: 'asc' } })
      t.same(usage.map((u) => [u.recordType, u.quantity.toFixed(0), u.unitPrice.toFixed(4), u.totalCost.toFixed(4)]), [
        ['VOICE_MINUTES', '3', '0.0200', '0.0600'],
        ['SMS_MESSAGE', '2', '0.0400', '0.0800'],
      ])
    })
  })
}
