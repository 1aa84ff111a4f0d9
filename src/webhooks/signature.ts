/**
 * Twilio request signatures (X-Twilio-Signature) for form POST webhooks, checked on the hot path.
 *
 * Contract: `isValid(pathAndQuery, params, signature)` answers exactly what
 * `twilio.validateRequest(token, signature, fullUrl, params)` (twilio-node 6) answers, for any of
 * the configured tokens, where
 *
 *   fullUrl = scheme://host[:port] of publicBaseUrl   (as written, credentials and fragment dropped)
 *           + path prefix of publicBaseUrl            (trailing slashes dropped)
 *           + pathAndQuery                            (fragment dropped)
 *
 * The property test in tests/webhooks/signature.test.ts holds it to that. Deliberate differences:
 * - Credentials in publicBaseUrl and URL fragments are never part of what Twilio signs, so they are
 *   left out of fullUrl (validateRequest would sign whatever string it is given).
 * - A query naming `bodySHA256` marks a JSON-body webhook: Twilio then signs the URL alone and
 *   the body hash must match the raw body, which a form-body check cannot see. `isValid` rejects
 *   such requests (validateRequest alone would accept them without checking the body);
 *   `isValidWithBody` checks them as `twilio.validateRequestWithBody` does.
 * - A `pathAndQuery` that is not origin-form (does not start with '/') is rejected; Twilio never
 *   sends one. Where validateRequest would throw (a URL `new URL()` refuses), this answers false.
 *
 * Why not call validateRequest? It builds and hashes up to six URL forms and sorts the parameters
 * once per form, and always parses the URL with `new URL()` when the first two forms miss. Here the
 * parameter string is built once, the exact URL is hashed first (the form Twilio signed, so a
 * genuine request usually costs one HMAC per token tried) and the rarer forms are built only when
 * it fails.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'

export interface SignatureValidator {
  /**
   * True when `signature` (the X-Twilio-Signature header) is valid for a form POST to
   * `pathAndQuery` (the request's raw URL path + query exactly as received, e.g. '/twilio/voice?x=1%202')
   * with `params` (the parsed form body; a repeated key is an array of strings in arrival order).
   * Never throws.
   */
  isValid(pathAndQuery: string, params: Record<string, string | string[] | undefined>, signature: string | undefined): boolean
  /**
   * The same for a webhook with a raw (JSON) body, as `twilio.validateRequestWithBody(token,
   * signature, fullUrl, body)` answers: the signature covers the URL alone, and the URL's
   * `bodySHA256` query parameter must be the hex SHA-256 of `body`, the bytes as received.
   * Never throws.
   */
  isValidWithBody(pathAndQuery: string, body: Uint8Array, signature: string | undefined): boolean
}

/** A base64 HMAC-SHA1 is always 28 ASCII characters (20 bytes). */
const SIGNATURE_BYTES = 28

/**
 * Builds a validator for webhooks Twilio sends to `publicBaseUrl` (the public origin Twilio calls,
 * e.g. 'https://edge.example.com' or 'http://localhost:3000').
 *
 * A path prefix ('https://host/edge') is the part a reverse proxy strips before forwarding:
 * Twilio signs 'https://host/edge/twilio/voice', did-edge sees '/twilio/voice', and the prefix is
 * put back in front. If nothing strips it, leave the prefix out (did-edge already sees it).
 *
 * `authTokens`: the account auth token, or two during a rotation (either one is accepted).
 * Throws on a configuration that cannot work (not http/https, a query in the base, no token).
 */
export function createSignatureValidator(publicBaseUrl: string, authTokens: string[]): SignatureValidator {
  const base = parseBaseUrl(publicBaseUrl)
  const tokens = [...new Set(authTokens)]
  if (tokens.length === 0 || tokens.some((token) => typeof token !== 'string' || token.length === 0)) {
    throw new Error('createSignatureValidator: at least one non-empty auth token is required')
  }
  // The same key bytes twilio-node uses (the token's UTF-8), imported once rather than per HMAC.
  const keys: KeyObject[] = tokens.map((token) => createSecretKey(Buffer.from(token, 'utf8')))

  // twilio-node tries the URL with its port removed and with the default port added (a port
  // already there stays). Both origins are fixed per validator, so build them once. The base as
  // written is the exact URL Twilio was given: with its port if it has one, else without.
  const originWithoutPort = base.scheme + base.host
  const originWithPort = base.scheme + base.host + (base.port || defaultPort(base.scheme))
  const exactOrigin = base.port ? originWithPort : originWithoutPort
  const otherOrigin = base.port ? originWithoutPort : originWithPort

  /** True when `signature` is the base64 HMAC-SHA1 of `data` under one of the tokens. */
  function signedBy(data: string, signature: Buffer): boolean {
    for (const key of keys) {
      // Compare the base64 text byte for byte, as twilio-node does: decoding the header instead
      // would accept non-canonical base64 (missing padding, stray characters) that it rejects.
      const expected = Buffer.from(createHmac('sha1', key).update(data, 'utf8').digest('base64'), 'latin1')
      if (timingSafeEqual(expected, signature)) return true
    }
    return false
  }

  /** The header as bytes and the request target without its fragment, or null when either cannot be valid. */
  function prepare(pathAndQuery: string, header: string | undefined): { signature: Buffer; target: string } | null {
    if (typeof header !== 'string' || typeof pathAndQuery !== 'string') return null
    // Length is not secret (it is fixed by the algorithm), so a wrong one fails before any HMAC,
    // and timingSafeEqual below always sees equal lengths.
    const signature = Buffer.from(header, 'utf8')
    if (signature.length !== SIGNATURE_BYTES) return null
    if (pathAndQuery.charCodeAt(0) !== 0x2f /* '/' */) return null
    // Node hands a raw '#...' through in request.url; Twilio never signs a fragment.
    const hash = pathAndQuery.indexOf('#')
    return { signature, target: hash === -1 ? pathAndQuery : pathAndQuery.slice(0, hash) }
  }

  function check(pathAndQuery: string, params: Record<string, unknown>, header: string | undefined): boolean {
    const request = prepare(pathAndQuery, header)
    if (request === null) return false
    // Same test as twilio-node's validateIncomingRequest uses to pick the JSON-body path.
    if (request.target.includes('bodySHA256')) return false
    return urlSigned(request.target, signedParams(params), request.signature)
  }

  function checkWithBody(pathAndQuery: string, body: Uint8Array, header: string | undefined): boolean {
    const request = prepare(pathAndQuery, header)
    if (request === null || !(body instanceof Uint8Array)) return false
    // validateRequestWithBody reads the hash from `new URL(fullUrl)` (decoded, and throwing on
    // a URL it refuses); the body is hashed as the bytes Twilio sent.
    const claimed = Buffer.from(new URL(exactOrigin + base.path + request.target).searchParams.get('bodySHA256') ?? '', 'utf8')
    const actual = Buffer.from(createHash('sha256').update(body).digest('hex'), 'latin1')
    const bodyMatches = claimed.length === actual.length && timingSafeEqual(claimed, actual)
    return urlSigned(request.target, '', request.signature) && bodyMatches
  }

  /** True when one of the URL forms twilio-node tries, followed by `paramData`, was signed. */
  function urlSigned(target: string, paramData: string, signature: Buffer): boolean {
    // Cost: one HMAC-SHA1 per URL form and token over url + parameters (~0.5 kB for a voice
    // webhook: about 2 µs each, plus about 1 µs to sort and join the parameters, done once). A
    // genuine request matches the exact form with its first token; a forged one pays for every
    // distinct form (at most 6) times every token plus one `new URL()`, as with validateRequest.
    const rest = base.path + target
    const exact = exactOrigin + rest
    if (signedBy(exact + paramData, signature)) return true
    const other = otherOrigin + rest
    if (signedBy(other + paramData, signature)) return true

    // twilio-node's fallback: the URL normalized by `new URL()` (lower-case host, default port
    // dropped, some characters percent-encoded, dot segments resolved), with the port removed and
    // added, and each of those with the query re-encoded by the legacy `querystring` module.
    // Each form is hashed only if it differs from every form already tried.
    const normalized = new URL(exact).href
    const tried = [exact, other]
    const candidates = [removePort(normalized), addPort(normalized)]
    for (const url of candidates) {
      if (tried.includes(url)) continue
      tried.push(url)
      if (signedBy(url + paramData, signature)) return true
    }
    for (const url of candidates) {
      const legacy = withLegacyQuerystring(url)
      if (tried.includes(legacy)) continue
      tried.push(legacy)
      if (signedBy(legacy + paramData, signature)) return true
    }
    return false
  }

  return {
    isValid(pathAndQuery, params, signature) {
      // Whatever the input (a body parser's odd shape, a URL `new URL()` refuses), a request that
      // cannot be checked is simply not valid; this must never turn into a 500.
      try {
        return check(pathAndQuery, params, signature)
      } catch {
        return false
      }
    },
    isValidWithBody(pathAndQuery, body, signature) {
      try {
        return checkWithBody(pathAndQuery, body, signature)
      } catch {
        return false
      }
    },
  }
}

/**
 * The parameter part of the signed string, built as twilio-node's getExpectedTwilioSignature
 * does: names in `Array.prototype.sort()` order (UTF-16 code units, case-sensitive, which is not
 * UTF-8 byte order above U+FFFF), each followed by its value. A repeated name contributes one
 * name+value per distinct value, values sorted the same way; twilio-node drops duplicate values
 * (`new Set`), and a signature Twilio made over them is accepted only because of that.
 */
/**
 * The signature Twilio sends for a form POST of `params` to `url` (what a client of did-edge,
 * such as the start-up banner's example request, needs to sign one itself).
 */
export function computeSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  return createHmac('sha1', authToken).update(url + signedParams(params), 'utf8').digest('base64')
}

function signedParams(params: Record<string, unknown>): string {
  const names = Object.keys(params).sort()
  let data = ''
  for (const name of names) data += signedParam(name, params[name])
  return data
}

function signedParam(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    let data = ''
    for (const item of Array.from(new Set(value)).sort()) data += signedParam(name, item)
    return data
  }
  // `name + value` exactly as twilio-node concatenates: an undefined value signs as "undefined".
  return name + (value as string)
}

// --- URL helpers, kept identical to twilio-node's (lib/webhooks/webhooks.js) --------------------

interface UrlParts {
  /** 'https://' as written */
  scheme: string
  /** 'user:pass@' or '' */
  userInfo: string
  host: string
  /** ':8443', or '' when the URL has none */
  port: string
  /** path, query and fragment */
  rest: string
}

/** Splits a URL without normalizing it (twilio-node's splitUrl); null without 'scheme://'. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url)
  if (!match) return null
  const scheme = match[1] ?? ''
  const authority = match[2] ?? ''
  const userInfoEnd = authority.lastIndexOf('@')
  const hostAndPort = authority.slice(userInfoEnd + 1)
  // A colon only starts the port after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1)
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(match[0].length),
  }
}

function defaultPort(scheme: string): string {
  return scheme.toLowerCase() === 'https://' ? ':443' : ':80'
}

function addPort(url: string): string {
  const parts = splitUrl(url)
  if (!parts || parts.port) return url
  return parts.scheme + parts.userInfo + parts.host + defaultPort(parts.scheme) + parts.rest
}

function removePort(url: string): string {
  const parts = splitUrl(url)
  if (!parts) return url
  return parts.scheme + parts.userInfo + parts.host + parts.rest
}

function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1 || queryStart === url.length - 1) return url
  return url.slice(0, queryStart) + '?' + stringifyQuery(parseQuery(url.slice(queryStart + 1)))
}

// --- configuration ------------------------------------------------------------------------------

interface BaseUrl {
  scheme: string
  host: string
  port: string
  /** '' or '/prefix' (no trailing slash) */
  path: string
}

/**
 * Takes publicBaseUrl apart with the same splitting twilio-node applies to the full URL, so the
 * strings built from the parts are byte for byte the ones validateRequest would hash.
 */
function parseBaseUrl(publicBaseUrl: string): BaseUrl {
  const text = String(publicBaseUrl).trim()
  let protocol: string
  try {
    protocol = new URL(text).protocol
  } catch {
    throw new Error(`publicBaseUrl is not a URL: ${JSON.stringify(publicBaseUrl)}`)
  }
  const hash = text.indexOf('#')
  const withoutFragment = hash === -1 ? text : text.slice(0, hash)
  const parts = splitUrl(withoutFragment)
  if ((protocol !== 'http:' && protocol !== 'https:') || !parts) {
    throw new Error(`publicBaseUrl must look like https://host[:port][/prefix]: ${JSON.stringify(publicBaseUrl)}`)
  }
  if (parts.rest.includes('?')) {
    throw new Error(`publicBaseUrl must not carry a query string: ${JSON.stringify(publicBaseUrl)}`)
  }
  // Credentials (parts.userInfo) are dropped: Twilio does not sign them.
  return { scheme: parts.scheme, host: parts.host, port: parts.port, path: parts.rest.replace(/\/+$/, '') }
}
