// Recognising what a database error means (a constraint violation, an outage, bad data),
// whichever layer reports it.
//
// Through Prisma 7 and a driver adapter (pg or PGlite), a failed write rejects with a
// Prisma.PrismaClientKnownRequestError:
//   unique violation: code 'P2002'
//   check violation:  code 'P2039' ("Database error"), a catch-all for errors Prisma has no
//                     code for, so only the Postgres SQLSTATE tells it apart
// Either way the SQLSTATE is in err.meta.driverAdapterError.cause.originalCode ('23505',
// '23514'). Raw queries ($executeRaw) report 'P2010' with the same meta, and code that uses
// pg or PGlite directly gets their own error with the SQLSTATE in err.code.

const UNIQUE_VIOLATION = '23505'
const CHECK_VIOLATION = '23514'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** What the driver adapter reported under a Prisma error (or an adapter error itself). */
function adapterCause(err: Record<string, unknown>): Record<string, unknown> | undefined {
  const adapterError = isObject(err.meta) ? err.meta.driverAdapterError : err
  return isObject(adapterError) && isObject(adapterError.cause) ? adapterError.cause : undefined
}

/** The Postgres SQLSTATE behind an error from Prisma, an adapter, pg or PGlite, if any. */
export function postgresErrorCode(err: unknown): string | undefined {
  if (!isObject(err)) return undefined
  const originalCode = adapterCause(err)?.originalCode
  if (typeof originalCode === 'string') return originalCode
  // pg's and PGlite's DatabaseError carry the SQLSTATE in `code`. Prisma's errors use `code`
  // for their own P-codes (which look like SQLSTATEs: 'P2002') and carry clientVersion.
  if ('clientVersion' in err || typeof err.code !== 'string') return undefined
  return /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined
}

/** A unique constraint rejected the write (answer 409 Conflict). */
export function isUniqueViolation(err: unknown): boolean {
  return (isObject(err) && err.code === 'P2002') || postgresErrorCode(err) === UNIQUE_VIOLATION
}

/** A check constraint (chk_phone_number_format, chk_email_format, ...) rejected the write. */
export function isCheckViolation(err: unknown): boolean {
  return postgresErrorCode(err) === CHECK_VIOLATION
}

/**
 * What a failed database call says about the database:
 * - unavailable: it could not be reached or dropped the session (refused, reset, timed out, no
 *   free connection, shutting down, a FATAL error). Every query would fail alike for now.
 * - data: the statement's own values were refused (SQLSTATE class 22 "data exception", class 23
 *   "integrity constraint"). Another statement, with other values, would succeed.
 * - other: anything else (a deadlock, a serialization failure, a schema behind the code, a bug).
 *
 * The configuration cache stops asking Postgres for a while only when it is unavailable; the
 * ingest writer sets aside only what fails on its data, and retries everything else.
 */
export type DatabaseFailure = 'unavailable' | 'data' | 'other'

// Prisma's own codes for connections: can't reach (P1001), timed out (P1002, P1008), database
// missing (P1003), TLS (P1011), connection closed (P1017), no connection from the pool (P2024).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1003', 'P1008', 'P1011', 'P1017', 'P2024'])
// The driver adapters' kinds for the same (@prisma/driver-adapter-utils).
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable', 'DatabaseDoesNotExist', 'DatabaseAccessDenied', 'AuthenticationFailed',
  'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError',
])
// Class 08 (connection exception) is matched by prefix. 57P01-57P03: the server is shutting
// down or starting up; 53300: too many connections; 57014: statement cancelled (a timeout).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014'])
// Node's socket errors, which pg passes through when it cannot connect or loses the socket.
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
])
// pg's and pg-pool's plain Errors (no code) for a lost connection or an empty pool.
const PG_CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended)/

/** How a failed database call failed (see DatabaseFailure). */
export function classifyDatabaseError(err: unknown): DatabaseFailure {
  if (!isObject(err)) return 'other'
  const cause = adapterCause(err)
  const sqlstate = postgresErrorCode(err)
  const severity = cause?.severity ?? err.severity
  if (
    (typeof err.code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(err.code) || SOCKET_ERRORS.has(err.code))) ||
    (typeof cause?.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) ||
    (sqlstate !== undefined && (sqlstate.startsWith('08') || UNAVAILABLE_SQLSTATES.has(sqlstate))) ||
    // FATAL and PANIC end the session: a database refusing connections (55000), a bad login, ...
    severity === 'FATAL' ||
    severity === 'PANIC' ||
    (typeof err.message === 'string' && PG_CONNECTION_MESSAGES.test(err.message))
  ) {
    return 'unavailable'
  }
  if (sqlstate !== undefined && (sqlstate.startsWith('22') || sqlstate.startsWith('23'))) return 'data'
  return 'other'
}
