import t from 'tap'
import { buildTestApp, productionEnv } from '../helpers/app.js'

// What production needs to start.
const production = productionEnv
const TOKEN = 'scrape-token-0123456789abcdef'

t.test('in production without METRICS_TOKEN the main port does not serve /metrics', async (t) => {
  const app = await buildTestApp(t, production)
  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'NOT_FOUND')
  t.notMatch(res.body, /did_edge_/)
})

t.test('with METRICS_TOKEN the main port serves /metrics to that bearer token only', async (t) => {
  const app = await buildTestApp(t, { ...production, METRICS_TOKEN: TOKEN })
  const scrape = (authorization?: string) => app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } })

  for (const [what, authorization] of [
    ['no credentials', undefined],
    ['another token', 'Bearer scrape-token-0123456789abcdeX'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
  ] as const) {
    const res = await scrape(authorization)
    t.equal(res.statusCode, 401, what)
    t.equal(res.json().code, 'UNAUTHORIZED', what)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"', what)
    t.notMatch(res.body, /did_edge_/, what)
  }

  const ok = await scrape(`Bearer ${TOKEN}`)
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], /^text\/plain/)
  t.match(ok.body, /^# TYPE did_edge_webhook_requests_total counter$/m)
})

t.test('outside production the main port serves /metrics without a token unless one is set', async (t) => {
  const open = await buildTestApp(t)
  t.equal((await open.inject({ url: '/metrics' })).statusCode, 200)
  const guarded = await buildTestApp(t, { METRICS_TOKEN: TOKEN })
  t.equal((await guarded.inject({ url: '/metrics' })).statusCode, 401)
  t.equal((await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200)
})
