// Every metric a Grafana panel or an alert rule uses is one did-edge exports: the app is started,
// used once (a webhook, an API call), and its /metrics scraped. A metric defined but not yet
// observed still has its `# HELP` / `# TYPE` lines, which is what names are checked against.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { postSigned, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey } from '../helpers/users.js'
import { allExpressions, exportedTypes, isBalanced, metricNames, variableExpression, whyNotExported } from './promql.js'

t.test('metric names are read out of PromQL without functions, keywords, labels or durations', async (t) => {
  t.same(
    metricNames('histogram_quantile(0.99, sum by (endpoint, le) (rate(did_edge_webhook_duration_seconds_bucket{job=~"$job",outcome!="error"}[$__rate_interval])))'),
    ['did_edge_webhook_duration_seconds_bucket'],
  )
  t.same(
    metricNames('max by (job) (x_in_use) >= on (job, instance) group_left(kind) max without (state) (x_max) or y unless y offset 5m > bool 1e3'),
    ['x_in_use', 'x_max', 'y'],
  )
  t.same(metricNames('sum(rate(a_total{path="/a{b}[c]",q=\'by (x)\'}[1h30m])) / 2 > 0.5'), ['a_total'])
  t.same(metricNames('up == 0'), ['up'])
  t.same(metricNames('vector(1)'), [], 'a bare function selects nothing')
  t.equal(variableExpression('label_values(nodejs_heap_size_used_bytes{job=~"$job"}, instance)'), 'nodejs_heap_size_used_bytes{job=~"$job"}')
  t.equal(variableExpression('label_values(job)'), '')
  t.ok(isBalanced('sum by (a) (rate(x{a="(("}[5m]))'))
  t.notOk(isBalanced('sum(rate(x[5m])'))
})

t.test('a name is exported as a counter or gauge, or as a histogram through its suffixes only', async (t) => {
  const types = exportedTypes(['# TYPE c_total counter', '# TYPE h_seconds histogram', '# TYPE s summary', '# TYPE g gauge'].join('\n'))
  for (const ok of ['c_total', 'g', 'h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count', 's_sum', 's_count', 'up']) {
    t.equal(whyNotExported(ok, types), undefined, ok)
  }
  t.match(whyNotExported('h_seconds', types), /is a histogram/)
  t.match(whyNotExported('s_bucket', types), /not exported/)
  t.match(whyNotExported('c_total_sum', types), /not exported/)
  t.match(whyNotExported('did_edge_nothing_total', types), /not exported/)
})

t.test('every metric used by a dashboard panel, a dashboard variable or an alert rule is exported by /metrics', async (t) => {
  const app = await buildTestApp(t, twilioEnv)
  // Labelled counters appear once incremented: one webhook and one API request.
  const webhook = await postSigned(app, '/twilio/voice', voiceParams('+14155550987', '+12125550100'))
  t.equal(webhook.statusCode, 200)
  const owner = await createUserWithKey(app.db.prisma)
  const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: owner.auth })
  t.equal(me.statusCode, 200)

  const scrape = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(scrape.statusCode, 200)
  const types = exportedTypes(scrape.body)
  t.match(scrape.body, /did_edge_webhook_requests_total\{endpoint="voice",outcome="unknown_number"\} 1/)

  const expressions = await allExpressions()
  t.ok(expressions.length > 60, `${expressions.length} expressions read`)
  const used = new Map<string, string[]>()
  const unbalanced: string[] = []
  const selectsNothing: string[] = []
  for (const { where, expr } of expressions) {
    if (!isBalanced(expr)) unbalanced.push(where)
    const names = metricNames(expr)
    if (names.length === 0 && !where.includes(' variable ')) selectsNothing.push(where)
    for (const name of names) used.set(name, [...(used.get(name) ?? []), where])
  }
  t.same(unbalanced, [], 'every expression balances its brackets')
  t.same(selectsNothing, [], 'every panel target and rule selects at least one metric')
  const missing = [...used].flatMap(([name, places]) => {
    const why = whyNotExported(name, types)
    return why === undefined ? [] : [`${why} (used by ${places.join('; ')})`]
  })
  t.same(missing, [], 'no dashboard or rule uses a metric /metrics does not export')

  // The other way round: every did_edge_* family is on some dashboard.
  const shown = new Set([...used.keys()].map((name) => name.replace(/_(bucket|sum|count)$/, '')))
  const unshown = [...types.keys()].filter((name) => name.startsWith('did_edge_') && !shown.has(name) && !used.has(name))
  t.same(unshown, [], 'every did_edge_* metric is used by a dashboard or a rule')
})
