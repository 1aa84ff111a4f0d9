import type { FastifyInstance } from 'fastify'
import twilio from 'twilio'

export const TEST_TOKEN = 'test-auth-token-0123456789abcdef'
export const TEST_BASE = 'https://edge.example.com'
/** Environment for a test app that Twilio requests are signed for. */
export const twilioEnv = { TWILIO_AUTH_TOKEN: TEST_TOKEN, PUBLIC_BASE_URL: TEST_BASE }

export type Params = Record<string, string | string[]>

/** The form body Twilio would send (repeated keys for arrays). */
export function formBody(params: Params): string {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(key, v)
  }
  return form.toString()
}

/**
 * Posts a webhook to the app exactly as Twilio would: the signature is computed by
 * twilio-node itself (the independent oracle), over PUBLIC_BASE_URL + path + query.
 */
export function postSigned(app: FastifyInstance, pathAndQuery: string, params: Params, options: { token?: string; signature?: string | null } = {}) {
  const signature =
    options.signature !== undefined
      ? options.signature
      : twilio.getExpectedTwilioSignature(options.token ?? TEST_TOKEN, `${TEST_BASE}${pathAndQuery}`, params as Record<string, string>)
  return app.inject({
    method: 'POST',
    url: pathAndQuery,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    payload: formBody(params),
  })
}

let sequence = 0
/** A voice webhook's parameters, as Twilio sends them for a new inbound call. */
export function voiceParams(to: string, from: string, extra: Params = {}): Params {
  sequence += 1
  return {
    AccountSid: `AC${'b'.repeat(32)}`,
    ApiVersion: '2010-04-01',
    CallSid: `CA${Date.now().toString(16)}${String(sequence).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`.slice(0, 34),
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: from,
    To: to,
    Caller: from,
    Called: to,
    ...extra,
  }
}

/** An inbound message's parameters. */
export function smsParams(to: string, from: string, body: string, extra: Params = {}): Params {
  sequence += 1
  const sid = `SM${Date.now().toString(16)}${String(sequence).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`.slice(0, 34)
  return { AccountSid: `AC${'b'.repeat(32)}`, MessageSid: sid, SmsSid: sid, From: from, To: to, Body: body, NumMedia: '0', NumSegments: '1', ...extra }
}
