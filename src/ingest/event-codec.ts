// Events as they travel through the Redis stream: one JSON string per entry, checked on the
// way out. The stream is shared by every instance, possibly of different versions during a
// rolling deploy, so a reader accepts fields it does not know (they are dropped) and refuses
// an entry that lacks what the writer needs, rather than failing the whole batch on it.
import { z } from 'zod'
import type { IngestEvent } from './events.js'

const text = (max: number) => z.string().max(max)
const optionalText = z.string().max(256).optional()
const nullableInt = z.number().int().nonnegative().nullable()

const geography = z.object({
  fromCity: optionalText,
  fromState: optionalText,
  fromCountry: optionalText,
  toCity: optionalText,
  toState: optionalText,
  toCountry: optionalText,
})

const numberRef = z
  .object({
    numberId: text(64).min(1),
    userId: text(64).min(1),
    countryCode: text(8),
    numberType: text(32),
  })
  .nullable()

// `at` becomes a timestamp: one JavaScript cannot format (past year 275760) would throw on
// every retry of the batch, and one past year 9999 is not ISO text Postgres reads.
const LATEST_AT = Date.UTC(9999, 11, 31)

const common = {
  at: z.number().int().positive().max(LATEST_AT),
  accountSid: text(64),
  from: text(256),
  to: text(256),
  number: numberRef,
}

const eventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('call.started'),
    ...common,
    callSid: text(64).min(1),
    direction: text(32),
    callStatus: text(32),
    geography,
    configurationId: text(128).nullable(),
    ruleId: text(128).nullable(),
    reason: text(64),
  }),
  z.object({
    kind: z.literal('call.status'),
    ...common,
    callSid: text(64).min(1),
    direction: text(32),
    callStatus: text(32),
    sequenceNumber: nullableInt,
    callDuration: nullableInt,
    timestamp: text(64).nullable(),
    recordingUrl: text(2048).nullable(),
    recordingSid: text(64).nullable(),
    geography,
  }),
  z.object({
    kind: z.literal('sms.received'),
    ...common,
    messageSid: text(64).min(1),
    body: text(1600),
    mediaUrls: z.array(text(2048)).max(10),
    numSegments: z.number().int().min(1).max(100),
    geography,
  }),
  z.object({
    kind: z.literal('sms.status'),
    ...common,
    messageSid: text(64).min(1),
    messageStatus: text(32),
    errorCode: text(16).nullable(),
  }),
])

// Compile-time check that the schema and the event types (the contract in events.ts) agree.
type Decoded = z.output<typeof eventSchema>
const _decodedIsEvent: (e: Decoded) => IngestEvent = (e) => e
void _decodedIsEvent

/** The stream payload of an event. */
export function encodeEvent(event: IngestEvent): string {
  return JSON.stringify(event)
}

/** The event in a stream payload, or null when it is not JSON or not a valid event. */
export function decodeEvent(payload: string): IngestEvent | null {
  let raw: unknown
  try {
    raw = JSON.parse(payload)
  } catch {
    return null
  }
  const parsed = eventSchema.safeParse(raw)
  return parsed.success ? parsed.data : null
}
