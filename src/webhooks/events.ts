import type { Decision } from '../../routing/index.js'
import type {
  CallStartedEvent,
  CallStatusEvent,
  Geography,
  NumberRef,
  SmsReceivedEvent,
  SmsStatusEvent,
} from '../ingest/events.js'
import { cleanText } from '../text/clean-text.js'
import { geography, intParam, mediaUrls, param, type TwilioParams } from './form.js'

// Twilio's own fields are short; anything longer is not Twilio's, and must not bloat the stream.
// Every text is also cleaned (NUL, lone surrogates: src/text/clean-text.ts), after clipping,
// which may cut an emoji in half: a signed request is answered, and so it must be loggable.
const clip = (value: string | undefined, max = 64) => cleanText((value ?? '').slice(0, max))
const clipOptional = (value: string | undefined, max: number) => (value === undefined ? null : clip(value, max))
const MAX_BODY = 1600

function cleanGeography(params: TwilioParams): Geography {
  const geo = geography(params)
  for (const key in geo) geo[key as keyof Geography] = cleanText(geo[key as keyof Geography]!)
  return geo
}

/** The fields every call event carries, read the same way for the first webhook and callbacks. */
function callFields(params: TwilioParams, callSid: string) {
  return {
    callSid: clip(callSid),
    accountSid: clip(param(params, 'AccountSid')),
    from: clip(param(params, 'From')),
    to: clip(param(params, 'To')),
    direction: clip(param(params, 'Direction') ?? 'inbound', 32),
    geography: cleanGeography(params),
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
    timestamp: clipOptional(param(params, 'Timestamp'), 64),
    recordingUrl: clipOptional(param(params, 'RecordingUrl'), 2048),
    recordingSid: clipOptional(param(params, 'RecordingSid'), 64),
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
    body: clip(param(params, 'Body'), MAX_BODY),
    mediaUrls: mediaUrls(params).map((url) => clip(url, 2048)),
    numSegments: Math.max(1, Math.min(intParam(params, 'NumSegments') ?? 1, 10)),
    geography: cleanGeography(params),
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
    errorCode: clipOptional(param(params, 'ErrorCode'), 16),
    number,
  }
}
