// Where did-edge may send a customer's webhooks. A webhook URL is chosen by the customer and
// fetched by our servers, so without a guard it reaches whatever our network reaches: the
// cloud metadata service, Redis, Postgres, the admin side of anything on 10.0.0.0/8. In
// production the URL must be https and every address its host resolves to must be public;
// the check runs when the endpoint is saved AND when each delivery connects (a name that
// resolved to a public address yesterday may resolve to 127.0.0.1 today: DNS rebinding).
// In development and test, plain http is allowed to loopback only, so a developer can point
// an endpoint at a receiver on their own machine.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'

export type NodeEnv = 'development' | 'production' | 'test'

/** Resolves every address of a host name, as dns.lookup with { all: true }. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>

export const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)))
  })

function ipv4Bytes(ip: string): number[] | null {
  if (isIP(ip) !== 4) return null
  return ip.split('.').map(Number)
}

/** The 16 bytes of an IPv6 address (embedded dotted IPv4 and zone ids handled). */
function ipv6Bytes(address: string): number[] | null {
  const ip = address.split('%')[0]!
  if (isIP(ip) !== 6) return null
  let text = ip
  const tail: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    tail.push(...ipv4Bytes(dotted[1]!)!)
    text = text.slice(0, -dotted[1]!.length) + '0:0'
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const left = groups(head)
  const right = rest === undefined ? [] : groups(rest)
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right]
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff])
  if (tail.length === 4) bytes.splice(12, 4, ...tail)
  return bytes
}

function inV4(bytes: number[], prefix: [number, number, number, number], bits: number): boolean {
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8))
    if (take === 0) return true
    const mask = (0xff << (8 - take)) & 0xff
    if ((bytes[i]! & mask) !== (prefix[i]! & mask)) return false
  }
  return true
}

// Not reachable on the public internet, or not ours to reach: RFC 6890's special-purpose
// blocks that matter for a server-side fetch.
const FORBIDDEN_V4: Array<[[number, number, number, number], number, string]> = [
  [[0, 0, 0, 0], 8, '"this network" (0.0.0.0/8)'],
  [[10, 0, 0, 0], 8, 'private (10.0.0.0/8)'],
  [[100, 64, 0, 0], 10, 'carrier-grade NAT (100.64.0.0/10), where some clouds put metadata services'],
  [[127, 0, 0, 0], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254, 0, 0], 16, 'link-local (169.254.0.0/16), the cloud metadata address among them'],
  [[172, 16, 0, 0], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 168, 0, 0], 16, 'private (192.168.0.0/16)'],
  [[198, 18, 0, 0], 15, 'benchmarking (198.18.0.0/15)'],
  [[224, 0, 0, 0], 4, 'multicast (224.0.0.0/4)'],
  [[240, 0, 0, 0], 4, 'reserved or broadcast (240.0.0.0/4)'],
]

function v4Reason(bytes: number[]): string | null {
  for (const [prefix, bits, why] of FORBIDDEN_V4) if (inV4(bytes, prefix, bits)) return why
  return null
}

function v6Reason(bytes: number[]): string | null {
  const isZero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0)
  if (isZero(0, 16)) return 'unspecified (::)'
  if (isZero(0, 15) && bytes[15] === 1) return 'loopback (::1)'
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
  // addresses reach the IPv4 address they embed: judge that one.
  const mapped = isZero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff
  const compatible = isZero(0, 12)
  const nat64 = bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && isZero(4, 12)
  if (mapped || compatible || nat64) {
    const reason = v4Reason(bytes.slice(12))
    return reason === null ? null : `an IPv6 form of ${reason}`
  }
  if ((bytes[0]! & 0xfe) === 0xfc) return 'unique local (fc00::/7), the IPv6 metadata address fd00:ec2::254 among them'
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return 'link-local (fe80::/10)'
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0xc0) return 'site-local (fec0::/10)'
  if (bytes[0] === 0xff) return 'multicast (ff00::/8)'
  return null
}

/** Why an IP address may not be a webhook target, or null when it may. Throws on a non-IP. */
export function forbiddenAddressReason(ip: string): string | null {
  const v4 = ipv4Bytes(ip)
  if (v4 !== null) return v4Reason(v4)
  const v6 = ipv6Bytes(ip)
  if (v6 !== null) return v6Reason(v6)
  throw new Error(`not an IP address: ${ip}`)
}

/**
 * True for addresses a production server must not send webhooks to: loopback, private,
 * link-local (cloud metadata), unspecified, multicast, reserved, and IPv6 forms of these.
 */
export function isForbiddenAddress(ip: string): boolean {
  return forbiddenAddressReason(ip) !== null
}

/** A URL's host without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 0) return false
  const reason = forbiddenAddressReason(host)
  return reason !== null && reason.includes('loopback')
}

export interface UrlCheckOptions {
  nodeEnv: NodeEnv
  /** How host names are resolved (dns.lookup with all: true by default). */
  resolve?: ResolveAll
}

/** A webhook URL that may not be used, and why (the message names the rule). */
export class ForbiddenTargetError extends Error {
  override name = 'ForbiddenTargetError'
  readonly code = 'ERR_WEBHOOK_TARGET_FORBIDDEN'
}

/**
 * Checks a webhook URL against the rules of `nodeEnv`; resolves when it may be used, rejects
 * with a ForbiddenTargetError naming the rule otherwise. In production the host is resolved
 * (every address) and each address must be public.
 */
export async function assertAllowedWebhookUrl(raw: string, options: UrlCheckOptions): Promise<URL> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ForbiddenTargetError('must be an absolute http(s) URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ForbiddenTargetError('must be an http(s) URL')
  if (url.username !== '' || url.password !== '') throw new ForbiddenTargetError('must not contain credentials')
  const host = bareHost(url)
  if (options.nodeEnv !== 'production') {
    if (url.protocol === 'http:' && !isLoopbackHost(host)) {
      throw new ForbiddenTargetError('must use https (plain http is allowed only to loopback outside production)')
    }
    return url
  }
  if (url.protocol !== 'https:') throw new ForbiddenTargetError('must use https in production')
  await assertPublicHost(host, options.resolve ?? resolveAll)
  return url
}

/** Rejects unless every address of `host` (an IP literal or a name) is public. */
export async function assertPublicHost(host: string, resolve: ResolveAll = resolveAll): Promise<void> {
  if (isIP(host) !== 0) {
    const reason = forbiddenAddressReason(host)
    if (reason !== null) throw new ForbiddenTargetError(`must not target a ${reason} address (${host})`)
    return
  }
  let addresses: LookupAddress[]
  try {
    addresses = await resolve(host)
  } catch {
    throw new ForbiddenTargetError(`host ${host} does not resolve`)
  }
  if (addresses.length === 0) throw new ForbiddenTargetError(`host ${host} does not resolve`)
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address)
    if (reason !== null) throw new ForbiddenTargetError(`host ${host} resolves to a ${reason} address (${address})`)
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A drop-in `lookup` for net/tls connections (undici's `connect.lookup`) that resolves as
 * usual and refuses to hand out a forbidden address, so the address checked is the address
 * connected to: no window between a check and a second resolution for DNS rebinding to use.
 */
export function guardedLookup(resolve: ResolveAll = resolveAll) {
  return (hostname: string, options: { all?: boolean } | number | undefined, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => isForbiddenAddress(a.address))
        if (addresses.length === 0 || bad !== undefined) {
          const err = new ForbiddenTargetError(
            bad === undefined ? `host ${hostname} does not resolve` : `host ${hostname} resolves to a forbidden address (${bad.address})`,
          ) as Error & NodeJS.ErrnoException
          callback(err, '')
          return
        }
        if (typeof options === 'object' && options?.all) callback(null, addresses)
        else callback(null, addresses[0]!.address, addresses[0]!.family)
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    )
  }
}
