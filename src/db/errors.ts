// Recognising constraint violations, whichever layer reports them.
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

/** The Postgres SQLSTATE behind an error from Prisma, an adapter, pg or PGlite, if any. */
export function postgresErrorCode(err: unknown): string | undefined {
  if (!isObject(err)) return undefined
  const adapterError = isObject(err.meta) ? err.meta.driverAdapterError : err
  if (isObject(adapterError) && isObject(adapterError.cause)) {
    const { originalCode } = adapterError.cause
    if (typeof originalCode === 'string') return originalCode
  }
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
