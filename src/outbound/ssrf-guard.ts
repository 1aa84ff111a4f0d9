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
import { isLoopbackAddress, specialPurposeBlock } from './special-addresses.js'

export type NodeEnv = 'development' | 'production' | 'test'

/** Resolves every address of a host name, as dns.lookup with { all: true }. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>

export const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)))
  })

/** Why an IP address may not be a webhook target, or null when it may. Throws on a non-IP. */
export function forbiddenAddressReason(ip: string): string | null {
  return specialPurposeBlock(ip)
}

/**
 * True for addresses a production server must not send webhooks to: every special-purpose block
 * of IANA's IPv4 and IPv6 registries (loopback, private, link-local and cloud metadata, NAT64,
 * 6to4, ...) and multicast; see special-addresses.ts.
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
  return isIP(host) !== 0 && isLoopbackAddress(host)
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
