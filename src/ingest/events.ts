/**
 * The events the webhooks hand to the ingest pipeline, after answering. Each carries what
 * the writer needs without another lookup (the number and its owner were known from the
 * configuration cache when the webhook answered), and is plain JSON so it can travel through
 * a Redis stream. `at` is when did-edge received the webhook (epoch ms).
 */

export interface Geography {
  fromCity?: string
  fromState?: string
  fromCountry?: string
  toCity?: string
  toState?: string
  toCountry?: string
}

/** Who owns the called number, as the cache knew it; null when the number is unknown. */
export interface NumberRef {
  numberId: string
  userId: string
  /** ISO country and type of the number, for the rate card. */
  countryCode: string
  numberType: string
}

export interface CallStartedEvent {
  kind: 'call.started'
  at: number
  callSid: string
  accountSid: string
  from: string
  to: string
  /** Twilio's Direction: inbound, outbound-api, outbound-dial. */
  direction: string
  /** Twilio's CallStatus at the time of the voice webhook (usually ringing). */
  callStatus: string
  geography: Geography
  number: NumberRef | null
  /** What decided: configuration, rule and reason (bounded vocabulary). */
  configurationId: string | null
  ruleId: string | null
  reason: string
}

export interface CallStatusEvent {
  kind: 'call.status'
  at: number
  callSid: string
  accountSid: string
  from: string
  to: string
  direction: string
  /** queued, initiated, ringing, in-progress, completed, busy, failed, no-answer, canceled. */
  callStatus: string
  /** Twilio's SequenceNumber (from 0), when sent. */
  sequenceNumber: number | null
  /** CallDuration in seconds (terminal events). */
  callDuration: number | null
  /** Twilio's Timestamp (RFC 2822), when sent. */
  timestamp: string | null
  recordingUrl: string | null
  recordingSid: string | null
  geography: Geography
  number: NumberRef | null
}

export interface SmsReceivedEvent {
  kind: 'sms.received'
  at: number
  messageSid: string
  accountSid: string
  from: string
  to: string
  body: string
  mediaUrls: string[]
  numSegments: number
  geography: Geography
  number: NumberRef | null
}

export interface SmsStatusEvent {
  kind: 'sms.status'
  at: number
  messageSid: string
  accountSid: string
  from: string
  to: string
  /** queued, sending, sent, delivered, undelivered, failed, read, ... */
  messageStatus: string
  errorCode: string | null
  number: NumberRef | null
}

export type IngestEvent = CallStartedEvent | CallStatusEvent | SmsReceivedEvent | SmsStatusEvent

/** What the webhooks see of the pipeline: hand over an event, never wait for I/O. */
export interface EventSink {
  /** Synchronous: the event is queued in memory (and shipped to Redis in the background). */
  publish(event: IngestEvent): void
}
