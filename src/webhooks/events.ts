import type { Decision } from '../../routing/index.js'
import type {
  CallStartedEvent,
  CallStatusEvent,
  NumberRef,
  SmsReceivedEvent,
  SmsStatusEvent,
} from '../ingest/events.js'
import { geography, intParam, mediaUrls, param, type TwilioParams } from './form.js'

// Twilio's own fields are short; anything longer is not Twilio's, and must not bloat the stream.
const clip = (value: string | undefined, max = 64) => (value ?? '').slice(0, max)
const MAX_BODY = 1600

/** The fields every call event carries, read the same way for the first webhook and callbacks. */
function callFields(params: TwilioParams, callSid: string) {
  return {
    callSid: clip(callSid),
    accountSid: clip(param(params, 'AccountSid')),
    from: clip(param(params, 'From')),
    to: clip(param(params, 'To')),
    direction: clip(param(params, 'Direction') ?? 'inbound', 32),
    geography: geography(params),
  }
}

/** The call-started event of a voice webhook, or null when Twilio sent no CallSid. */
export function callStarted(params: TwilioParams, at: number, number: NumberRef | null, decision: Decision | null): CallStartedEvent | null {
  const callSid = param(params, 'CallSid')
  if (callSid === undefined || callSid === '') return null
  return {
    kind: 'call.started',
    at,
    ...callFields(params, callSid),
    callStatus: clip(param(params, 'CallStatus') ?? 'ringing', 32),
    number,
    configurationId: decision?.configuration?.id ?? null,
    ruleId: decision?.rule?.id ?? null,
    reason: decision?.reason ?? 'safe_default',
  }
}

/** The event of a call status callback, or null without a CallSid. */
export function callStatus(params: TwilioParams, at: number, number: NumberRef | null): CallStatusEvent | null {
  const callSid = param(params, 'CallSid')
  if (callSid === undefined || callSid === '') return null
  return {
    kind: 'call.status',
    at,
    ...callFields(params, callSid),
    callStatus: clip(param(params, 'CallStatus'), 32),
    sequenceNumber: intParam(params, 'SequenceNumber'),
    callDuration: intParam(params, 'CallDuration'),
    timestamp: param(params, 'Timestamp')?.slice(0, 64) ?? null,
    recordingUrl: param(params, 'RecordingUrl')?.slice(0, 2048) ?? null,
    recordingSid: param(params, 'RecordingSid')?.slice(0, 64) ?? null,
    number,
  }
}

/** The event of an inbound message, or null without a MessageSid. */
export function smsReceived(params: TwilioParams, at: number, number: NumberRef | null): SmsReceivedEvent | null {
  const messageSid = param(params, 'MessageSid') ?? param(params, 'SmsSid')
  if (messageSid === undefined || messageSid === '') return null
  return {
    kind: 'sms.received',
    at,
    messageSid: clip(messageSid),
    accountSid: clip(param(params, 'AccountSid')),
    from: clip(param(params, 'From')),
    to: clip(param(params, 'To')),
    body: (param(params, 'Body') ?? '').slice(0, MAX_BODY),
    mediaUrls: mediaUrls(params).map((url) => url.slice(0, 2048)),
    numSegments: Math.max(1, Math.min(intParam(params, 'NumSegments') ?? 1, 10)),
    geography: geography(params),
    number,
  }
}

/** The event of a message status callback, or null without a MessageSid. */
export function smsStatus(params: TwilioParams, at: number, number: NumberRef | null): SmsStatusEvent | null {
  const messageSid = param(params, 'MessageSid') ?? param(params, 'SmsSid')
  if (messageSid === undefined || messageSid === '') return null
  return {
    kind: 'sms.status',
    at,
    messageSid: clip(messageSid),
    accountSid: clip(param(params, 'AccountSid')),
    from: clip(param(params, 'From')),
    to: clip(param(params, 'To')),
    messageStatus: clip(param(params, 'MessageStatus') ?? param(params, 'SmsStatus'), 32),
    errorCode: param(params, 'ErrorCode')?.slice(0, 16) ?? null,
    number,
  }
}
