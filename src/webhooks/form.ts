import type { CallInput, Channel } from '../../routing/index.js'
import type { Geography } from '../ingest/events.js'

/** A parsed Twilio form body: a repeated key arrives as an array, in arrival order. */
export type TwilioParams = Record<string, string | string[] | undefined>

/** The parameters of a request that sent none. */
export const NO_PARAMS: TwilioParams = Object.freeze(Object.create(null) as TwilioParams)

/**
 * A JSON body's fields as Twilio parameters, so that past the signature check every value is a
 * string (or an array of strings) whatever was sent: numbers and booleans become their text,
 * null, objects and nested arrays are left out, and a body that is not an object has no
 * parameters. Throws on a body that is not JSON.
 */
export function jsonParams(body: Uint8Array): TwilioParams {
  const parsed: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
  const params = Object.create(null) as TwilioParams
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return params
  for (const [name, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) {
      const items = value.map(scalarText).filter((item): item is string => item !== undefined)
      if (items.length > 0) params[name] = items
    } else {
      const text = scalarText(value)
      if (text !== undefined) params[name] = text
    }
  }
  return params
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** One parameter's value; Twilio never repeats the ones did-edge reads, so the first wins. */
export function param(params: TwilioParams, name: string): string | undefined {
  const value = params[name]
  return Array.isArray(value) ? value[0] : value
}

/** A non-negative integer parameter, or null when absent or malformed. */
export function intParam(params: TwilioParams, name: string): number | null {
  const value = param(params, name)
  if (value === undefined || !/^\d{1,9}$/.test(value)) return null
  return Number(value)
}

/** What the routing engine needs of a webhook. */
export function callInput(params: TwilioParams, channel: Channel, at: number): CallInput {
  return {
    from: param(params, 'From'),
    to: param(params, 'To'),
    at,
    fromCountry: param(params, 'FromCountry'),
    fromState: param(params, 'FromState'),
    fromCity: param(params, 'FromCity'),
    channel,
    body: channel === 'sms' ? param(params, 'Body') : undefined,
  }
}

/** Twilio's geography fields, as far as they were sent. */
export function geography(params: TwilioParams): Geography {
  const geo: Geography = {}
  const set = (key: keyof Geography, name: string) => {
    const value = param(params, name)
    if (value !== undefined && value !== '') geo[key] = value.slice(0, 100)
  }
  set('fromCity', 'FromCity')
  set('fromState', 'FromState')
  set('fromCountry', 'FromCountry')
  set('toCity', 'ToCity')
  set('toState', 'ToState')
  set('toCountry', 'ToCountry')
  return geo
}

/** MediaUrl0..MediaUrl{NumMedia-1}, bounded by what a message can carry. */
export function mediaUrls(params: TwilioParams): string[] {
  const count = Math.min(intParam(params, 'NumMedia') ?? 0, 10)
  const urls: string[] = []
  for (let i = 0; i < count; i++) {
    const url = param(params, `MediaUrl${i}`)
    if (url !== undefined && url !== '') urls.push(url)
  }
  return urls
}
