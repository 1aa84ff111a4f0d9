/**
 * The one error catalogue of did-edge. Every management-API error leaves the server as
 * `{ statusCode, code, message, details?, requestId }`; the code is stable for clients,
 * the message is for people. The Twilio scope never answers with these (it answers TwiML).
 */
export const errorCatalogue = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  EMAIL_NOT_VERIFIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof errorCatalogue

export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  message: string
  details?: unknown
  requestId: string
}

/** An error the API answers as-is: a catalogue code, a human message, optional details. */
export class AppError extends Error {
  override name = 'AppError'
  readonly statusCode: number

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.statusCode = errorCatalogue[code]
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`)
export const unauthorized = (message = 'authentication required') => new AppError('UNAUTHORIZED', message)
export const forbidden = (message: string) => new AppError('FORBIDDEN', message)
export const conflict = (message: string, details?: unknown) => new AppError('CONFLICT', message, details)
export const validationFailed = (message: string, details?: unknown) =>
  new AppError('VALIDATION_FAILED', message, details)
