// One HTTP attempt of one delivery: the signed JSON POST, with the endpoint's timeout, and
// what came back (status and the start of the body), or why nothing did.
import { Agent, request, type Dispatcher } from 'undici'
import type { WebhookPayload } from './delivery-store.js'
import { signedHeaders } from './signature.js'
import { guardedLookup, type ResolveAll } from './ssrf-guard.js'

/** Bytes of a receiver's answer kept on the delivery (the rest is read no further). */
export const RESPONSE_BODY_LIMIT = 2048

export interface AttemptResult {
  /** The HTTP status, or null when no answer came (network error, timeout, refused target). */
  httpStatus: number | null
  responseBody: string | null
  /** Why the attempt got no answer, or null when it got one. */
  error: string | null
  /** True when the target itself is refused (SSRF guard): retrying cannot help. */
  forbidden: boolean
}

/**
 * The body sent: the payload's fields in the documented order `{ id, event, createdAt, data }`
 * (Postgres' jsonb keeps keys in its own order).
 */
export function deliveryBody(payload: WebhookPayload): string {
  return JSON.stringify({ id: payload.id, event: payload.event, createdAt: payload.createdAt, data: payload.data })
}

/**
 * The connection pool deliveries go through. In production every connection's address is
 * checked as it is resolved (guardedLookup), so what was checked is what is connected to.
 */
export function createDeliveryAgent(options: { production: boolean; resolve?: ResolveAll }): Agent {
  return new Agent({
    keepAliveTimeout: 4_000,
    connect: options.production ? { lookup: guardedLookup(options.resolve) as never } : {},
  })
}

function isForbidden(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: string }).code === 'ERR_WEBHOOK_TARGET_FORBIDDEN') return true
  }
  return false
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: string }).code
  const cause = (err as { cause?: unknown }).cause
  const why = cause instanceof Error && cause.message !== err.message ? `: ${cause.message}` : ''
  return `${code ?? err.name}: ${err.message}${why}`.slice(0, 500)
}

async function readStart(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    // Leaving the loop destroys the stream: a huge answer is not downloaded.
    if (size >= RESPONSE_BODY_LIMIT) break
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8')
}

export interface SendOptions {
  dispatcher: Dispatcher
  url: string
  secret: string
  payload: WebhookPayload
  /** Seconds to wait for the answer's headers, and again between chunks of its body. */
  timeoutSeconds: number
  /** Unix seconds for `webhook-timestamp`. */
  timestampSeconds: number
  /** Ends the attempt early (shutdown). */
  signal?: AbortSignal
}

/** Sends one attempt. Never rejects: failures are in the result. */
export async function sendDelivery(options: SendOptions): Promise<AttemptResult> {
  const body = deliveryBody(options.payload)
  const timeoutMs = options.timeoutSeconds * 1000
  const deadline = AbortSignal.timeout(timeoutMs * 2)
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline
  try {
    const res = await request(options.url, {
      dispatcher: options.dispatcher,
      method: 'POST',
      headers: { ...signedHeaders(options.secret, options.payload.id, options.timestampSeconds, body), 'user-agent': 'did-edge-webhooks/1' },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    })
    let responseBody: string | null = null
    try {
      responseBody = await readStart(res.body)
    } catch {
      // The status is the answer; a body cut short does not change it.
    }
    return { httpStatus: res.statusCode, responseBody, error: null, forbidden: false }
  } catch (err) {
    return { httpStatus: null, responseBody: null, error: describe(err), forbidden: isForbidden(err) }
  }
}
