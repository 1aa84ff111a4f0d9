// The events a webhook publishes carry only text Postgres can store, whatever Twilio's
// parameters held: a form body can carry a NUL, a JSON body a lone surrogate, and clipping a
// long value can cut an emoji in half.
import t from 'tap'
import { callStarted, callStatus, smsReceived, smsStatus } from '../../src/webhooks/events.js'
import type { TwilioParams } from '../../src/webhooks/form.js'

const number = { numberId: 'n1', userId: 'u1', countryCode: 'US', numberType: 'LOCAL' }
const dirty = (text: string) => `${text}\u0000\uD800`
const storable = (value: unknown): boolean =>
  typeof value === 'string' ? value.isWellFormed() && !value.includes('\0') : typeof value !== 'object' || value === null || Object.values(value).every(storable)

const params: TwilioParams = {
  CallSid: dirty('CA1'),
  MessageSid: dirty('SM1'),
  AccountSid: dirty('AC1'),
  From: dirty('+12125550142'),
  To: dirty('+14155550100'),
  Direction: dirty('inbound'),
  CallStatus: dirty('completed'),
  MessageStatus: dirty('failed'),
  ErrorCode: dirty('30003'),
  Timestamp: dirty('Tue, 10 Mar 2026 14:01:06 +0000'),
  RecordingUrl: dirty('https://api.twilio.com/RE1'),
  RecordingSid: dirty('RE1'),
  Body: dirty('hello'),
  NumMedia: '1',
  MediaUrl0: dirty('https://api.twilio.com/ME1'),
  FromCity: dirty('NEW YORK'),
  ToState: '\uDC00',
}

t.test('every text of every event is cleaned of NUL and lone surrogates', async (t) => {
  const events = [callStarted(params, 1, number, null), callStatus(params, 1, number), smsReceived(params, 1, number), smsStatus(params, 1, number)]
  for (const event of events) t.ok(storable(event), `${event?.kind}: storable`)
  t.match(events[0], { callSid: 'CA1\uFFFD', from: '+12125550142\uFFFD', geography: { fromCity: 'NEW YORK\uFFFD', toState: '\uFFFD' } })
  t.match(events[2], { body: 'hello\uFFFD', mediaUrls: ['https://api.twilio.com/ME1\uFFFD'] })
})

t.test('a body clipped in the middle of an emoji keeps the rest and marks the cut', async (t) => {
  const body = `${'x'.repeat(1599)}😀 and more`
  const event = smsReceived({ MessageSid: 'SM2', Body: body }, 1, number)
  t.equal(event?.body, `${'x'.repeat(1599)}\uFFFD`)
})
