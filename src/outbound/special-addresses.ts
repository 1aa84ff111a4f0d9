// The IP addresses a server-side fetch of a customer's URL must never connect to: every block of
// IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), plus
// multicast and the deprecated IPv6 blocks that still route somewhere inside a network.
//
// Why every block, even the few the registry marks "globally reachable" (AS112, AMT, TURN
// anycast)? No customer's webhook receiver lives there, and a list that says "all of them" is one
// a reviewer can check against the registry line by line. Why judge IPv6 by whole blocks instead
// of decoding the IPv4 address some of them embed (mapped, translated, NAT64, 6to4, Teredo)? A
// decoder has to know every embedding to be safe; the earlier guard knew three and missed 6to4,
// IPv4-translated and local-use NAT64. No public receiver needs an IPv4-embedding IPv6 address:
// it has a native one, or its IPv4 address is used directly.
import ipaddr from 'ipaddr.js'
import { isIP } from 'node:net'

type Block = [cidr: string, name: string]

/** IANA IPv4 Special-Purpose Address Registry, 2026 edition, with multicast added. */
const IPV4_BLOCKS: Block[] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private (10.0.0.0/8)'],
  ['100.64.0.0/10', 'carrier-grade NAT (100.64.0.0/10), where some clouds put metadata services'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local (169.254.0.0/16), the cloud metadata address among them'],
  ['172.16.0.0/12', 'private (172.16.0.0/12)'],
  ['192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0/24', 'documentation (192.0.2.0/24)'],
  ['192.31.196.0/24', 'AS112 (192.31.196.0/24)'],
  ['192.52.193.0/24', 'AMT (192.52.193.0/24)'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast (192.88.99.0/24)'],
  ['192.168.0.0/16', 'private (192.168.0.0/16)'],
  ['192.175.48.0/24', 'AS112 direct delegation (192.175.48.0/24)'],
  ['198.18.0.0/15', 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0/24', 'documentation (198.51.100.0/24)'],
  ['203.0.113.0/24', 'documentation (203.0.113.0/24)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved or broadcast (240.0.0.0/4)'],
]

/** IANA IPv6 Special-Purpose Address Registry, 2026 edition, with multicast and deprecated blocks added. */
const IPV6_BLOCKS: Block[] = [
  ['::/128', 'unspecified (::)'],
  ['::1/128', 'loopback (::1)'],
  ['::ffff:0:0/96', 'IPv4-mapped (::ffff:0:0/96)'],
  ['::ffff:0:0:0/96', 'IPv4-translated (::ffff:0:0:0/96)'],
  ['::/96', 'deprecated IPv4-compatible (::/96)'],
  ['64:ff9b::/96', 'NAT64 (64:ff9b::/96)'],
  ['64:ff9b:1::/48', 'local-use NAT64 (64:ff9b:1::/48)'],
  ['100::/64', 'discard-only (100::/64)'],
  ['100:0:0:1::/64', 'dummy prefix (100:0:0:1::/64)'],
  ['2001::/23', 'IETF protocol assignments (2001::/23), Teredo among them'],
  ['2001:db8::/32', 'documentation (2001:db8::/32)'],
  ['2002::/16', '6to4 (2002::/16)'],
  ['2620:4f:8000::/48', 'AS112 direct delegation (2620:4f:8000::/48)'],
  ['3fff::/20', 'documentation (3fff::/20)'],
  ['5f00::/16', 'segment routing (5f00::/16)'],
  ['fc00::/7', 'unique local (fc00::/7), the IPv6 metadata address fd00:ec2::254 among them'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['fec0::/10', 'deprecated site-local (fec0::/10)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
]

const parsed = (blocks: Block[]) => blocks.map(([cidr, name]) => ({ range: ipaddr.parseCIDR(cidr), name }))
const V4 = parsed(IPV4_BLOCKS)
const V6 = parsed(IPV6_BLOCKS)

/** An address as ipaddr.js sees it; null for anything that is not an IP literal. */
function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  // The zone id (fe80::1%eth0) names an interface, not an address.
  const address = ip.split('%')[0] as string
  return isIP(address) === 0 ? null : ipaddr.parse(address)
}

/** Why an IP address may not be a webhook target (the block's name), or null when it may. Throws on a non-IP. */
export function specialPurposeBlock(ip: string): string | null {
  const address = parse(ip)
  if (address === null) throw new Error(`not an IP address: ${ip}`)
  const blocks = address.kind() === 'ipv4' ? V4 : V6
  for (const { range, name } of blocks) if (address.match(range)) return name
  return null
}

/** True for 127.0.0.0/8, ::1 and the IPv4-mapped form of a 127.x address. Throws on a non-IP. */
export function isLoopbackAddress(ip: string): boolean {
  const address = parse(ip)
  if (address === null) throw new Error(`not an IP address: ${ip}`)
  const v4 = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address
  return v4.range() === 'loopback'
}
