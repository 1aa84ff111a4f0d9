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
    ['::ffff:8.8.8.8', false],
    ['64:ff9b::a9fe:a9fe', true],
    ['2001:4860:4860::8888', false],
    ['2606:4700:4700::1111', false],
  ]
  for (const [ip, forbidden] of table) t.equal(isForbiddenAddress(ip), forbidden, `${ip} ${forbidden ? 'is' : 'is not'} forbidden`)
  t.throws(() => isForbiddenAddress('example.com'), /not an IP address/)
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
