import { hashToken, newOneTimeToken, type OneTimeToken } from './one-time-tokens.js'

/**
 * Refresh tokens are opaque: 32 random bytes, base64url, so they never contain a dot and can
 * never be mistaken for an access JWT. `Session.refreshToken` stores only their SHA-256.
 */
export function newRefreshToken(): OneTimeToken {
  return newOneTimeToken()
}

/** The stored form of a presented refresh token. */
export function hashRefreshToken(token: string): string {
  return hashToken(token)
}
