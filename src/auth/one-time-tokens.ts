import { createHash, randomBytes } from 'node:crypto'

/**
 * Single-use secrets sent to a person (email verification, password reset). The database keeps
 * only their SHA-256: a leaked backup or a read-only SQL injection yields nothing usable. The
 * tokens carry 256 random bits, so a fast hash is enough (there is nothing to brute-force).
 */
export interface OneTimeToken {
  /** What the person receives, once. */
  token: string
  /** What is stored: sha256 hex of `token`. */
  hash: string
}

/** sha256 hex of a token as presented; look rows up by this, never by the raw token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** A new token (32 random bytes, base64url) with its stored hash. */
export function newOneTimeToken(): OneTimeToken {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashToken(token) }
}

/** When a token issued at `now` stops being accepted. */
export function expiresIn(seconds: number, now = new Date()): Date {
  return new Date(now.getTime() + seconds * 1000)
}
