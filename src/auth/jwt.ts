import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Access tokens: compact JWTs signed with HMAC-SHA256 (RFC 7519, `alg: HS256`). Written here
 * rather than pulled in because did-edge only ever signs and verifies its own tokens with one
 * algorithm; accepting exactly that algorithm closes the classic `alg: none` / key-confusion
 * holes by construction.
 */
export interface AccessClaims {
  /** The user id. */
  sub: string
  /** The session the token was issued for; revoking the session revokes the token. */
  sid: string
  iat: number
  exp: number
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest()
}

/** Whether a bearer credential is shaped like a JWT (API keys never contain dots). */
export function looksLikeJwt(credential: string): boolean {
  return credential.startsWith(`${HEADER}.`) && credential.split('.').length === 3
}

/** Issues a token for `subject`/`sessionId` valid for `ttlSeconds` from `now` (ms). */
export function signAccessToken(
  secret: string,
  claims: { sub: string; sid: string },
  ttlSeconds: number,
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1000)
  const payload = base64url(JSON.stringify({ sub: claims.sub, sid: claims.sid, iat, exp: iat + ttlSeconds }))
  const input = `${HEADER}.${payload}`
  return `${input}.${sign(input, secret).toString('base64url')}`
}

/** The claims of a token this server signed and that has not expired; undefined otherwise. */
export function verifyAccessToken(secret: string, token: string, now = Date.now()): AccessClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  if (header !== HEADER) return undefined
  const expected = sign(`${header}.${payload}`, secret)
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (!isClaims(claims)) return undefined
  return claims.exp > Math.floor(now / 1000) ? claims : undefined
}

function isClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Record<string, unknown>
  return typeof c.sub === 'string' && typeof c.sid === 'string' && Number.isInteger(c.iat) && Number.isInteger(c.exp)
}
