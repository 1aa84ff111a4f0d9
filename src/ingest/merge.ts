// Folds the events of one batch into one delta per call and per message, so the writer sends
// one row per CallSid / MessageSid whatever the batch holds (repeats, several callbacks of one
// call). The fold applies the same rules as the SQL does against stored rows (highest rank
// wins, the first terminal status is final though a repeat of it may add the CallDuration it
// lacked, earliest times win), so writing a delta gives the same result as writing its events
// one by one, in any order.
import type { CallDirection, CallStatus, SmsStatus } from '../generated/prisma/client.js'
import type {
  CallStartedEvent,
  CallStatusEvent,
  Geography,
  IngestEvent,
  NumberRef,
  SmsReceivedEvent,
  SmsStatusEvent,
} from './events.js'
import { TERMINAL_RANK, callDirectionOf, callRank, callStatusOf, smsRank, smsStatusOf } from './statuses.js'

type Kind = IngestEvent['kind']

interface DeltaBase {
  number: NumberRef
  /** The kinds of the events folded in, one entry per event (for the metrics). */
  kinds: Kind[]
  /** Earliest and latest `at` among the events. */
  firstAt: number
  lastAt: number
}

export interface CallDelta extends DeltaBase {
  callSid: string
  accountSid: string
  from: string
  to: string
  direction: CallDirection
  status: CallStatus
  rank: number
  /** Set when the best status is terminal: what ending the call writes. */
  end: {
    endTime: Date
    duration: number | null
    /** = duration for COMPLETED, 0 otherwise. */
    billableDuration: number
    /** end_time − duration when the duration is known and positive. */
    answerTime: Date | null
  } | null
  /** Earliest time the call was seen answered (an in-progress callback). */
  answeredAt: Date | null
  recordingUrl: string | null
  recordingSid: string | null
  geography: Geography
  /** From call.started: why the call went where it went. */
  callReason: string | null
  tags: string[]
}

export interface SmsReceivedDelta extends DeltaBase {
  messageSid: string
  accountSid: string
  from: string
  to: string
  body: string
  mediaUrls: string[]
  numSegments: number
}

export interface SmsStatusDelta extends DeltaBase {
  messageSid: string
  accountSid: string
  from: string
  to: string
  status: SmsStatus
  rank: number
  sentAt: Date | null
  deliveredAt: Date | null
  errorCode: string | null
}

export interface MergedBatch {
  calls: CallDelta[]
  smsReceived: SmsReceivedDelta[]
  smsStatus: SmsStatusDelta[]
  /** Events that cannot be written: unknown number, or a status word we do not know. */
  skipped: IngestEvent[]
}

type CallEvent = CallStartedEvent | CallStatusEvent

// Twilio's Timestamp is when the event happened, moments before did-edge received it. One
// further off than this is not Twilio's, and a year Postgres cannot store (Date.parse takes
// "01 Jan 20000") would refuse the whole batch.
const MAX_TIMESTAMP_SKEW_MS = 24 * 60 * 60 * 1000

/** Twilio's Timestamp when it parses and is near the arrival, else when did-edge received the event. */
function eventTime(event: CallEvent): Date {
  if (event.kind === 'call.status' && event.timestamp !== null) {
    const ms = Date.parse(event.timestamp)
    if (Math.abs(ms - event.at) <= MAX_TIMESTAMP_SKEW_MS) return new Date(ms)
  }
  return new Date(event.at)
}

function statusOf(event: CallEvent): CallStatus | null {
  // The voice webhook always starts a call, whatever word came with it.
  return callStatusOf(event.callStatus) ?? (event.kind === 'call.started' ? 'RINGING' : null)
}

// One order for the events of a call, independent of their order in the batch: call.started
// first (it has no SequenceNumber and opens the call), then by SequenceNumber, then by arrival.
function callEventOrder(a: CallEvent, b: CallEvent): number {
  const seq = (e: CallEvent) => (e.kind === 'call.started' ? -1 : (e.sequenceNumber ?? Number.MAX_SAFE_INTEGER))
  return seq(a) - seq(b) || a.at - b.at
}

function decisionOf(event: CallStartedEvent): { callReason: string; tags: string[] } {
  // call_reason is short and queryable: the deciding rule, else the engine's reason
  // (default_action, no_configuration, safe_default, ...). Tags keep the rest.
  const callReason = (event.ruleId !== null ? `rule:${event.ruleId}` : event.reason).slice(0, 64)
  const tags = [`reason:${event.reason}`]
  if (event.configurationId !== null) tags.push(`configuration:${event.configurationId}`)
  return { callReason, tags }
}

function durationOf(event: CallEvent): number | null {
  return event.kind === 'call.status' ? event.callDuration : null
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b
  if (b === null) return a
  return a.getTime() <= b.getTime() ? a : b
}

function foldCall(events: CallEvent[]): CallDelta {
  events.sort(callEventOrder)
  const started = events.find((e): e is CallStartedEvent => e.kind === 'call.started')
  const base = started ?? events[0]!
  let best: { status: CallStatus; rank: number; event: CallEvent } | null = null
  let answeredAt: Date | null = null
  let recording: CallStatusEvent | null = null
  const geography: Geography = { ...base.geography }
  for (const event of events) {
    const status = statusOf(event)!
    const rank = callRank(status)
    // Strictly greater: among equal ranks the first in order stays, so the first terminal
    // status is the one kept, as in the database.
    if (best === null || rank > best.rank) best = { status, rank, event }
    if (status === 'ANSWERED') answeredAt = earliest(answeredAt, eventTime(event))
    if (event.kind === 'call.status' && recording === null && event.recordingUrl !== null) recording = event
    for (const [key, value] of Object.entries(event.geography) as [keyof Geography, string | undefined][]) {
      if (geography[key] === undefined && value !== undefined) geography[key] = value
    }
  }
  const { status, rank, event: decisive } = best!
  let end: CallDelta['end'] = null
  if (rank === TERMINAL_RANK) {
    // The first terminal callback decides the status; when it came without CallDuration, the
    // first repeat of that status with one supplies the end (the SQL fills it in the same way).
    const measured = durationOf(decisive) !== null ? decisive : (events.find((e) => statusOf(e) === status && durationOf(e) !== null) ?? decisive)
    const endTime = eventTime(measured)
    const duration = durationOf(measured)
    end = {
      endTime,
      duration,
      billableDuration: status === 'COMPLETED' ? (duration ?? 0) : 0,
      answerTime: duration !== null && duration > 0 ? new Date(endTime.getTime() - duration * 1000) : null,
    }
  }
  const ats = events.map((e) => e.at)
  return {
    number: base.number!,
    kinds: events.map((e) => e.kind),
    firstAt: Math.min(...ats),
    lastAt: Math.max(...ats),
    callSid: base.callSid,
    accountSid: base.accountSid,
    from: base.from,
    to: base.to,
    direction: callDirectionOf(base.direction),
    status,
    rank,
    end,
    answeredAt,
    recordingUrl: recording?.recordingUrl ?? null,
    recordingSid: recording?.recordingSid ?? null,
    geography,
    ...(started !== undefined ? decisionOf(started) : { callReason: null, tags: [] }),
  }
}

function foldSmsReceived(events: SmsReceivedEvent[]): SmsReceivedDelta {
  events.sort((a, b) => a.at - b.at)
  const first = events[0]!
  return {
    number: first.number!,
    kinds: events.map((e) => e.kind),
    firstAt: first.at,
    lastAt: events[events.length - 1]!.at,
    messageSid: first.messageSid,
    accountSid: first.accountSid,
    from: first.from,
    to: first.to,
    body: first.body,
    mediaUrls: first.mediaUrls,
    numSegments: first.numSegments,
  }
}

function foldSmsStatus(events: SmsStatusEvent[]): SmsStatusDelta {
  events.sort((a, b) => a.at - b.at)
  const first = events[0]!
  let best: { status: SmsStatus; rank: number } | null = null
  let sentAt: Date | null = null
  let deliveredAt: Date | null = null
  let errorCode: string | null = null
  for (const event of events) {
    const status = smsStatusOf(event.messageStatus)!
    const rank = smsRank(status)
    if (best === null || rank > best.rank) best = { status, rank }
    const at = new Date(event.at)
    // FAILED means it never left; UNDELIVERED and DELIVERED mean it was sent.
    if (status === 'SENT' || status === 'DELIVERED' || status === 'UNDELIVERED') sentAt = earliest(sentAt, at)
    if (status === 'DELIVERED') deliveredAt = earliest(deliveredAt, at)
    errorCode ??= event.errorCode
  }
  return {
    number: first.number!,
    kinds: events.map((e) => e.kind),
    firstAt: first.at,
    lastAt: events[events.length - 1]!.at,
    messageSid: first.messageSid,
    accountSid: first.accountSid,
    from: first.from,
    to: first.to,
    status: best!.status,
    rank: best!.rank,
    sentAt,
    deliveredAt,
    errorCode,
  }
}

function push<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const group = groups.get(key)
  if (group === undefined) groups.set(key, [value])
  else group.push(value)
}

/** Groups a batch's events by call and message and folds each group into one delta. */
export function mergeBatch(events: readonly IngestEvent[]): MergedBatch {
  const calls = new Map<string, CallEvent[]>()
  const received = new Map<string, SmsReceivedEvent[]>()
  const statuses = new Map<string, SmsStatusEvent[]>()
  const skipped: IngestEvent[] = []
  for (const event of events) {
    // CallLog needs a user and SmsLog a number: without the number's owner there is no row.
    if (event.number === null) {
      skipped.push(event)
      continue
    }
    switch (event.kind) {
      case 'call.started':
        push(calls, event.callSid, event)
        break
      case 'call.status':
        if (callStatusOf(event.callStatus) === null) skipped.push(event)
        else push(calls, event.callSid, event)
        break
      case 'sms.received':
        push(received, event.messageSid, event)
        break
      case 'sms.status':
        if (smsStatusOf(event.messageStatus) === null) skipped.push(event)
        else push(statuses, event.messageSid, event)
        break
    }
  }
  // In key order: concurrent consumers then lock shared rows in the same order (fewer
  // deadlocks to retry), and a batch's statements do not depend on its arrival order.
  const byKey = <V>(groups: Map<string, V[]>) => [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
  return {
    calls: byKey(calls).map(foldCall),
    smsReceived: byKey(received).map(foldSmsReceived),
    smsStatus: byKey(statuses).map(foldSmsStatus),
    skipped,
  }
}
