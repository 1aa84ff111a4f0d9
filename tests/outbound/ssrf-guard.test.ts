import t from 'tap'
import { assertAllowedWebhookUrl, guardedLookup, isForbiddenAddress } from '../../src/outbound/ssrf-guard.js'

t.test('isForbiddenAddress: loopback, private, link-local, metadata, unspecified and their IPv6 forms', async (t) => {
  const table: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.15.255.255', false],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['192.169.0.1', false],
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['100.100.100.200', true],
    ['0.0.0.0', true],
    ['0.1.2.3', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['11.0.0.1', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fc00::1', true],
    ['fd00:ec2::254', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.1.2.3', true],
    ['::ffff:8.8.8.8', true], // every IPv4-mapped address: a public receiver is reached by its IPv4 address itself
    ['64:ff9b::a9fe:a9fe', true],
    ['2001:4860:4860::8888', false],
    ['2606:4700:4700::1111', false],
  ]
  for (const [ip, forbidden] of table) t.equal(isForbiddenAddress(ip), forbidden, `${ip} ${forbidden ? 'is' : 'is not'} forbidden`)
  t.throws(() => isForbiddenAddress('example.com'), /not an IP address/)
})

t.test('IPv6 forms that embed an IPv4 address are refused whatever address they embed', async (t) => {
  const table: Array<[string, string]> = [
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address'],
    ['2002:808:808::', '6to4 of a public address'],
    ['::ffff:0:7f00:1', 'IPv4-translated 127.0.0.1'],
    ['::ffff:0:808:808', 'IPv4-translated public address'],
    ['64:ff9b:1::a9fe:a9fe', 'local-use NAT64 of the metadata address'],
    ['64:ff9b:1:2::808:808', 'local-use NAT64 of a public address'],
    ['64:ff9b::808:808', 'well-known NAT64 of a public address'],
    ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ]
  for (const [ip, what] of table) t.ok(isForbiddenAddress(ip), `${ip} (${what}) is forbidden`)
})

t.test('every block of the IANA special-purpose registries is refused at its first and last address', async (t) => {
  // Transcribed from IANA's IPv4 and IPv6 Special-Purpose Address Registries, with multicast:
  // [first, last, first public address after the block (or null)].
  const blocks: Array<[string, string, string | null]> = [
    ['0.0.0.0', '0.255.255.255', '1.0.0.0'],
    ['100.64.0.0', '100.127.255.255', '100.128.0.0'],
    ['192.0.0.0', '192.0.0.255', '192.0.1.0'],
    ['192.0.2.0', '192.0.2.255', '192.0.3.0'],
    ['192.31.196.0', '192.31.196.255', '192.31.197.0'],
    ['192.52.193.0', '192.52.193.255', '192.52.194.0'],
    ['192.88.99.0', '192.88.99.255', '192.88.100.0'],
    ['192.175.48.0', '192.175.48.255', '192.175.49.0'],
    ['198.18.0.0', '198.19.255.255', '198.20.0.0'],
    ['198.51.100.0', '198.51.100.255', '198.51.101.0'],
    ['203.0.113.0', '203.0.113.255', '203.0.114.0'],
    ['224.0.0.0', '239.255.255.255', null],
    ['240.0.0.0', '255.255.255.255', null],
    ['100::', '100::ffff:ffff:ffff:ffff', '100:0:0:2::'],
    ['100:0:0:1::', '100:0:0:1:ffff:ffff:ffff:ffff', '100:0:0:2::'],
    ['2001::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:200::'],
    ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::'],
    ['2002::', '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2003::'],
    ['2620:4f:8000::', '2620:4f:8000:ffff:ffff:ffff:ffff:ffff', '2620:4f:8001::'],
    ['3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff:1000::'],
    ['5f00::', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '5f01::'],
    ['64:ff9b::', '64:ff9b::ffff:ffff', '64:ff9b::1:0:0'],
    ['64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff', '64:ff9b:2::'],
    ['fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['ff00::', 'ff00::ffff', null],
  ]
  for (const [first, last, after] of blocks) {
    t.ok(isForbiddenAddress(first), `${first} is forbidden`)
    t.ok(isForbiddenAddress(last), `${last} is forbidden`)
    if (after !== null) t.notOk(isForbiddenAddress(after), `${after}, just past the block, is allowed`)
  }
})

t.test('production refuses webhook URLs whose host is an IPv4-embedding IPv6 literal or resolves to one', async (t) => {
  const production = { nodeEnv: 'production' as const, resolve: async () => [{ address: '93.184.216.34', family: 4 }] }
  await t.rejects(assertAllowedWebhookUrl('https://[2002:7f00:1::]/hook', production), /6to4/)
  await t.rejects(assertAllowedWebhookUrl('https://[::ffff:0:7f00:1]/hook', production), /IPv4-translated/)
  await t.rejects(assertAllowedWebhookUrl('https://[64:ff9b:1::a9fe:a9fe]/hook', production), /local-use NAT64/)
  const sixToFour = async () => [{ address: '2002:a9fe:a9fe::', family: 6 }]
  await t.rejects(
    assertAllowedWebhookUrl('https://hooks.example.com/', { nodeEnv: 'production', resolve: sixToFour }),
    /resolves to a 6to4 \(2002::\/16\) address/,
  )
})

t.test('outside production an IPv4-mapped loopback literal still counts as loopback for plain http', async (t) => {
  t.ok(await assertAllowedWebhookUrl('http://[::ffff:127.0.0.1]:3000/hook', { nodeEnv: 'development' }))
  await t.rejects(assertAllowedWebhookUrl('http://[2002:7f00:1::]:3000/hook', { nodeEnv: 'development' }), /must use https/)
})

const publicResolver = async () => [{ address: '93.184.216.34', family: 4 }]

t.test('in production only https URLs whose host resolves to public addresses only are allowed', async (t) => {
  const production = { nodeEnv: 'production' as const, resolve: publicResolver }
  t.equal((await assertAllowedWebhookUrl('https://hooks.example.com/in', production)).host, 'hooks.example.com')
  await t.rejects(assertAllowedWebhookUrl('http://hooks.example.com/in', production), /must use https in production/)
  await t.rejects(assertAllowedWebhookUrl('http://127.0.0.1:8080/', production), /must use https/)
  await t.rejects(assertAllowedWebhookUrl('https://127.0.0.1/', production), /loopback/)
  await t.rejects(assertAllowedWebhookUrl('https://[::1]/', production), /loopback/)
  await t.rejects(assertAllowedWebhookUrl('https://2130706433/', production), /loopback/, 'an IPv4 address written as one number')
  await t.rejects(assertAllowedWebhookUrl('https://169.254.169.254/latest/meta-data', production), /link-local/)
  await t.rejects(assertAllowedWebhookUrl('https://user:pw@hooks.example.com/', production), /credentials/)
  await t.rejects(assertAllowedWebhookUrl('ftp://hooks.example.com/', production), /http\(s\)/)
  await t.rejects(assertAllowedWebhookUrl('not a url', production), /absolute/)
  const rebinding = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.7', family: 4 },
  ]
  await t.rejects(
    assertAllowedWebhookUrl('https://hooks.example.com/', { nodeEnv: 'production', resolve: rebinding }),
    /resolves to a private \(10\.0\.0\.0\/8\) address \(10\.0\.0\.7\)/,
    'one private address among public ones is enough to refuse',
  )
})

t.test('in production a name that really resolves to loopback (localhost) is refused', async (t) => {
  await t.rejects(assertAllowedWebhookUrl('https://localhost:8443/hook', { nodeEnv: 'production' }), /host localhost resolves to a loopback/)
})

t.test('outside production http is allowed to loopback only, https anywhere', async (t) => {
  for (const nodeEnv of ['development', 'test'] as const) {
    for (const url of ['http://127.0.0.1:3000/hook', 'http://localhost:3000/', 'http://[::1]:3000/', 'https://hooks.example.com/']) {
      t.ok(await assertAllowedWebhookUrl(url, { nodeEnv }), `${nodeEnv}: ${url}`)
    }
    await t.rejects(assertAllowedWebhookUrl('http://hooks.example.com/', { nodeEnv }), /must use https/)
    await t.rejects(assertAllowedWebhookUrl('http://192.168.1.10/', { nodeEnv }), /must use https/)
  }
})

t.test('the connection lookup hands out public addresses and refuses a host that resolves to a forbidden one', async (t) => {
  const lookup = guardedLookup(async (host) => (host === 'evil.example.com' ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '93.184.216.34', family: 4 }]))
  const call = (host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => lookup(host, { all }, (err, address) => resolve({ err, address })))
  t.same(await call('good.example.com', false), { err: null, address: '93.184.216.34' })
  t.same((await call('good.example.com', true)).address, [{ address: '93.184.216.34', family: 4 }])
  const refused = await call('evil.example.com', false)
  t.match(refused.err, { code: 'ERR_WEBHOOK_TARGET_FORBIDDEN', message: /evil\.example\.com resolves to a forbidden address/ })
})
