import type { HttpMethod } from '../generated/prisma/client.js'

/**
 * What Twilio must hold for each of our numbers: where it sends calls, call progress and
 * messages. One definition shared by the purchase (the URLs a new number starts with), the
 * PATCH sync and the reconciliation, so the three always agree.
 *
 * A Number row's URL fields are what the owner configured. A null URL means "did-edge's own
 * webhook" for the four did-edge serves (voice, voice fallback, call status, SMS), and
 * "none" for the SMS fallback, which did-edge does not serve. A null method means POST (the
 * column's default; the API never sets one to null).
 */
export interface TwilioWebhookConfig {
  voiceUrl: string
  voiceMethod: HttpMethod
  voiceFallbackUrl: string
  voiceFallbackMethod: HttpMethod
  statusCallback: string
  statusCallbackMethod: HttpMethod
  smsUrl: string
  smsMethod: HttpMethod
  /** '' = none (Twilio's own representation of an unset URL). */
  smsFallbackUrl: string
  smsFallbackMethod: HttpMethod
  voiceCallerIdLookup: boolean
}

export type TwilioWebhookField = keyof TwilioWebhookConfig

/** The Number columns that live at Twilio too: a PATCH changing any of them is synced first. */
export const TWILIO_WEBHOOK_FIELDS: readonly TwilioWebhookField[] = [
  'voiceUrl',
  'voiceMethod',
  'voiceFallbackUrl',
  'voiceFallbackMethod',
  'statusCallback',
  'statusCallbackMethod',
  'smsUrl',
  'smsMethod',
  'smsFallbackUrl',
  'smsFallbackMethod',
  // Also a property of the number at Twilio (Twilio looks the caller's name up and sends CallerName).
  'voiceCallerIdLookup',
]

/** did-edge's webhook URLs under PUBLIC_BASE_URL (the routes of src/webhooks/). */
export function didEdgeWebhookUrls(publicBaseUrl: string) {
  const base = publicBaseUrl.replace(/\/+$/, '')
  return {
    voiceUrl: `${base}/twilio/voice`,
    voiceFallbackUrl: `${base}/twilio/voice/fallback`,
    statusCallback: `${base}/twilio/voice/status`,
    smsUrl: `${base}/twilio/sms`,
  }
}

/** The subset of a Number row that decides its Twilio configuration. */
export type WebhookColumns = {
  [K in TwilioWebhookField]: K extends 'voiceCallerIdLookup' ? boolean : K extends `${string}Method` ? HttpMethod | null : string | null
}

/** What Twilio should hold for a number whose row has these columns. */
export function effectiveWebhookConfig(row: WebhookColumns, publicBaseUrl: string): TwilioWebhookConfig {
  const ours = didEdgeWebhookUrls(publicBaseUrl)
  return {
    voiceUrl: row.voiceUrl ?? ours.voiceUrl,
    voiceMethod: row.voiceMethod ?? 'POST',
    voiceFallbackUrl: row.voiceFallbackUrl ?? ours.voiceFallbackUrl,
    voiceFallbackMethod: row.voiceFallbackMethod ?? 'POST',
    statusCallback: row.statusCallback ?? ours.statusCallback,
    statusCallbackMethod: row.statusCallbackMethod ?? 'POST',
    smsUrl: row.smsUrl ?? ours.smsUrl,
    smsMethod: row.smsMethod ?? 'POST',
    smsFallbackUrl: row.smsFallbackUrl ?? '',
    smsFallbackMethod: row.smsFallbackMethod ?? 'POST',
    voiceCallerIdLookup: row.voiceCallerIdLookup,
  }
}

/** The configuration a newly bought number gets, as Number columns (all explicit). */
export function newNumberWebhookColumns(publicBaseUrl: string): WebhookColumns {
  return {
    ...didEdgeWebhookUrls(publicBaseUrl),
    voiceMethod: 'POST',
    voiceFallbackMethod: 'POST',
    statusCallbackMethod: 'POST',
    smsMethod: 'POST',
    smsFallbackUrl: null,
    smsFallbackMethod: 'POST',
    voiceCallerIdLookup: false,
  }
}

/** A Twilio IncomingPhoneNumber's webhook settings, as twilio-node returns them. */
export interface TwilioNumberSettings {
  voiceUrl?: string | null
  voiceMethod?: string | null
  voiceFallbackUrl?: string | null
  voiceFallbackMethod?: string | null
  statusCallback?: string | null
  statusCallbackMethod?: string | null
  smsUrl?: string | null
  smsMethod?: string | null
  smsFallbackUrl?: string | null
  smsFallbackMethod?: string | null
  voiceCallerIdLookup?: boolean | null
}

export interface WebhookMismatch {
  field: TwilioWebhookField
  expected: string | boolean
  actual: string | boolean | null
}

/**
 * Where Twilio's settings differ from what they should be. Twilio reports an unset URL as ''
 * (or null) and methods in upper case; both are normalised before comparing.
 */
export function webhookMismatches(expected: TwilioWebhookConfig, actual: TwilioNumberSettings): WebhookMismatch[] {
  const out: WebhookMismatch[] = []
  for (const field of TWILIO_WEBHOOK_FIELDS) {
    const want = expected[field]
    const raw = actual[field]
    if (typeof want === 'boolean') {
      if (Boolean(raw) !== want) out.push({ field, expected: want, actual: raw ?? null })
      continue
    }
    const have = typeof raw === 'string' ? raw : ''
    const same = field.endsWith('Method') ? have.toUpperCase() === want : have === want
    if (!same) out.push({ field, expected: want, actual: raw ?? null })
  }
  return out
}
