import twilio from 'twilio'
import type { AppConfig } from '../config.js'
import { AppError } from '../errors.js'

/**
 * The twilio-node client did-edge uses for Twilio's REST API (search, buy, configure, release
 * numbers; prices). One factory, so every caller gets the same credentials, timeout and
 * base-URL override.
 */
export type TwilioClient = twilio.Twilio

export interface TwilioCredentials {
  accountSid: string
  /** The token REST calls authenticate with: the first (newest) of TWILIO_AUTH_TOKEN. */
  authToken: string
  /** Replaces https://api.twilio.com and https://pricing.twilio.com (a local fake in tests). */
  apiBaseUrl: string | undefined
}

/** How long one REST call may take; a purchase of ten numbers makes ten of them in a row. */
const REQUEST_TIMEOUT_MS = 20_000

/**
 * The REST credentials, or null when Twilio is not configured: no account SID, or no real auth
 * token (outside production config.ts generates one for signing webhooks locally; Twilio does
 * not know it, so it cannot authenticate REST calls).
 */
export function twilioCredentials(config: AppConfig): TwilioCredentials | null {
  const authToken = config.twilio.authTokens[0]
  if (config.twilio.accountSid === undefined || config.twilio.authTokenGenerated || authToken === undefined) return null
  return { accountSid: config.twilio.accountSid, authToken, apiBaseUrl: config.twilio.apiBaseUrl }
}

export function createTwilioClient(credentials: TwilioCredentials): TwilioClient {
  const client = twilio(credentials.accountSid, credentials.authToken, { timeout: REQUEST_TIMEOUT_MS })
  if (credentials.apiBaseUrl !== undefined) {
    // twilio-node has no base-URL option; each domain's baseUrl can be replaced (TWILIO.md section 5).
    // These are the only two domains did-edge calls.
    const base = credentials.apiBaseUrl.replace(/\/+$/, '')
    client.api.baseUrl = base
    client.pricing.baseUrl = base
  }
  return client
}

/** 503 for an operation that needs Twilio when it is not configured. */
export function twilioNotConfigured(what: string): AppError {
  return new AppError(
    'SERVICE_UNAVAILABLE',
    `${what} needs Twilio: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
  )
}

/** What Twilio said when it refused a request (its RestException), or null for anything else. */
export interface TwilioRefusal {
  status: number
  code: number | undefined
  message: string
}

export function twilioRefusal(err: unknown): TwilioRefusal | null {
  if (err instanceof twilio.RestException) {
    return { status: err.status, code: err.code, message: err.message }
  }
  return null
}

/**
 * Any failure of a Twilio call as the API's 502: Twilio's own code, message and HTTP status
 * when Twilio answered, or the network error when it did not.
 */
export function upstreamError(action: string, err: unknown): AppError {
  const refusal = twilioRefusal(err)
  if (refusal !== null) {
    const code = refusal.code === undefined ? '' : ` ${refusal.code}`
    return new AppError('UPSTREAM_ERROR', `Twilio refused to ${action}: ${refusal.message} (Twilio error${code}, HTTP ${refusal.status})`, {
      twilioCode: refusal.code ?? null,
      twilioMessage: refusal.message,
      status: refusal.status,
    })
  }
  const reason = err instanceof Error ? err.message : String(err)
  return new AppError('UPSTREAM_ERROR', `Twilio could not be reached to ${action}: ${reason}`, {
    twilioCode: null,
    twilioMessage: reason,
    status: null,
  })
}
