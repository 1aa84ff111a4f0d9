import { randomBytes } from 'node:crypto'
import { hashToken } from './one-time-tokens.js'

/**
 * API keys are high-entropy random secrets, so a fast SHA-256 is the right hash: it cannot be
 * brute-forced and it lets a request find its key by an indexed lookup on `key_hash`.
 * Only the hash and a short display prefix are stored; the secret is shown once.
 */
const KEY_MARKER = 'dek_'
const PREFIX_LENGTH = 12

/** A new secret key, e.g. `dek_3kq…`; 32 random bytes. */
export function generateApiKey(): string {
  return KEY_MARKER + randomBytes(32).toString('base64url')
}

/** The value stored in `api_keys.key_hash`. */
export function hashApiKey(secret: string): string {
  return hashToken(secret)
}

/** The short prefix stored in `api_keys.key_prefix` so people can tell keys apart. */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH)
}

/** Reads `Authorization: Bearer <key>`; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return match?.[1]
}
