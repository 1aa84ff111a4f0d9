// The Prometheus rules file: its structure always; with promtool on PATH (Debian: the
// `prometheus` package) also promtool's own checks of the rules and of prometheus.yml, and unit
// tests that feed series to every alert and say when it must fire and when it must not.
// Without promtool the YAML structure here and the metric names (metric-names.test.ts) are what
// is checked.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { ROOT, RULES_FILE, readRules } from './promql.js'

const promtoolFound = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined

const ALERTS = [
  'DidEdgeWebhookLatencyHigh',
  'DidEdgeWebhookErrors',
  'DidEdgeSignatureFailuresSpike',
  'DidEdgeSignatureFailuresMostRequests',
  'DidEdgeSafeDefaultAnswers',
  'DidEdgeStaleConfigurationServed',
  'DidEdgeFallbackRequests',
  'DidEdgeIngestLagHigh',
  'DidEdgeIngestBufferGrowing',
  'DidEdgeIngestEventsDropped',
  'DidEdgeIngestWriteFailures',
  'DidEdgeOutboundFailureRate',
  'DidEdgeInstanceDown',
  'DidEdgeDatabasePoolExhausted',
]

t.test('every rule is an alert with an expression, a duration, a severity, a summary and a runbook', async (t) => {
  const file = await readRules()
  t.ok(Array.isArray(file.groups) && file.groups.length > 0, 'has groups')
  const names: string[] = []
  for (const group of file.groups ?? []) {
    t.type(group.name, 'string', 'the group has a name')
    t.ok((group.rules ?? []).length > 0, `group ${group.name} has rules`)
    for (const rule of group.rules ?? []) {
      const where = `${group.name}/${rule.alert}`
      t.match(rule.alert, /^DidEdge[A-Z][A-Za-z]+$/, `${where}: an alert named DidEdge…`)
      names.push(rule.alert as string)
      t.ok(typeof rule.expr === 'string' && rule.expr.trim().length > 0, `${where}: has an expression`)
      t.match(rule.for, /^\d+[smh]$/, `${where}: has a duration`)
      t.match(rule.labels?.severity, /^(critical|warning)$/, `${where}: severity critical or warning`)
      t.ok((rule.annotations?.summary ?? '').length > 10, `${where}: has a summary`)
      t.ok((rule.annotations?.runbook ?? '').length > 40, `${where}: has a runbook`)
    }
  }
  t.same([...names].sort(), [...ALERTS].sort(), 'the alerts the operations issue asks for, each once')
})

if (!promtoolFound) {
  t.comment('promtool is not on PATH (apt-get install prometheus): the rules were checked as YAML only')
} else {
  t.test('promtool accepts the rules file and prometheus.yml with it', async (t) => {
    const rules = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' })
    t.equal(rules.status, 0, rules.stdout + rules.stderr)
    const config = spawnSync('promtool', ['check', 'config', path.join(ROOT, 'prometheus/prometheus.yml')], { encoding: 'utf8' })
    t.equal(config.status, 0, config.stdout + config.stderr)
    t.match(config.stdout, /1 rule files found/)
  })

  t.test('each alert fires on the series it is about, and stays quiet otherwise', async (t) => {
    // promtool compares annotations too; they are prose, checked above, so the copy drops them.
    const dir = await mkdtemp(path.join(tmpdir(), 'did-edge-rules-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const file = await readRules()
    for (const group of file.groups ?? []) for (const rule of group.rules ?? []) delete rule.annotations
    await writeFile(path.join(dir, 'alerts.yml'), stringify(file))
    await writeFile(path.join(dir, 'alerts.test.yml'), stringify({ rule_files: ['alerts.yml'], evaluation_interval: '1m', tests: unitTests() }))
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir, encoding: 'utf8' })
    t.equal(run.status, 0, run.stdout + run.stderr)
    t.match(run.stdout, /SUCCESS/)
  })
}

// ---- promtool unit tests -------------------------------------------------------------------

type Labels = Record<string, string>
const series = (name: string, labels: Labels, values: string) => ({
  series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
  values,
})
const a = { job: 'did-edge', instance: 'a:9091' }
const b = { job: 'did-edge', instance: 'b:9091' }
const c = { job: 'did-edge', instance: 'c:9091' }
/** `n` missing samples, then `rest`. */
const absent = (n: number, rest: string) => `${'_ '.repeat(n)}${rest}`
const fires = (alertname: string, eval_time: string, ...alerts: Labels[]) => ({
  alertname,
  eval_time,
  exp_alerts: alerts.map((exp_labels) => ({ exp_labels })),
})

function unitTests() {
  const bucket = (labels: Labels, le: string, values: string) =>
    series('did_edge_webhook_duration_seconds_bucket', { ...labels, endpoint: 'voice', outcome: 'routed', le }, values)
  return [
    {
      name: 'webhook p99 above 50 ms for 5 minutes, on the slow instance only',
      interval: '1m',
      input_series: [
        // a: every answer between 50 and 100 ms; b: every answer under 1 ms.
        bucket(a, '0.001', '0x20'), bucket(a, '0.05', '0x20'), bucket(a, '0.1', '0+60x20'), bucket(a, '+Inf', '0+60x20'),
        bucket(b, '0.001', '0+60x20'), bucket(b, '0.05', '0+60x20'), bucket(b, '0.1', '0+60x20'), bucket(b, '+Inf', '0+60x20'),
      ],
      alert_rule_test: [
        fires('DidEdgeWebhookLatencyHigh', '4m'),
        fires('DidEdgeWebhookLatencyHigh', '12m', { ...a, severity: 'warning' }),
      ],
    },
    {
      name: 'a webhook error fires at once, the first of a process included, and not for errors older than 5 minutes',
      interval: '1m',
      input_series: [
        series('up', a, '1x30'),
        series('up', b, '1x30'),
        // a: its first error at 8 min; b: 4 errors before scraping began, a fifth at 13 min.
        series('did_edge_webhook_requests_total', { ...a, endpoint: 'voice', outcome: 'error' }, absent(8, '1x20')),
        series('did_edge_webhook_requests_total', { ...b, endpoint: 'sms', outcome: 'error' }, '4x12 5x15'),
        series('did_edge_webhook_requests_total', { ...a, endpoint: 'voice', outcome: 'routed' }, '0+100x28'),
      ],
      alert_rule_test: [
        fires('DidEdgeWebhookErrors', '2m'),
        fires('DidEdgeWebhookErrors', '9m', { ...a, endpoint: 'voice', severity: 'critical' }),
        fires('DidEdgeWebhookErrors', '14m', { ...b, endpoint: 'sms', severity: 'critical' }),
        fires('DidEdgeWebhookErrors', '20m'),
      ],
    },
    {
      name: 'safe-default answers fire at once; last-known-good answers only after 10 minutes',
      interval: '1m',
      input_series: [
        series('up', a, '1x40'),
        series('did_edge_webhook_safe_default_total', { ...a, endpoint: 'voice', cause: 'unavailable' }, absent(8, '1x30')),
        series('did_edge_webhook_safe_default_total', { ...a, endpoint: 'sms', cause: 'last_known_good' }, absent(8, '1+1x30')),
      ],
      alert_rule_test: [
        fires('DidEdgeSafeDefaultAnswers', '9m', { ...a, endpoint: 'voice', severity: 'critical' }),
        fires('DidEdgeSafeDefaultAnswers', '20m'),
        fires('DidEdgeStaleConfigurationServed', '15m'),
        fires('DidEdgeStaleConfigurationServed', '25m', { ...a, severity: 'warning' }),
      ],
    },
    {
      name: 'fallback requests fire at once',
      interval: '1m',
      input_series: [series('up', a, '1x20'), series('did_edge_webhook_fallback_requests_total', { ...a, answer: 'last_known_good' }, absent(6, '2x10'))],
      alert_rule_test: [
        fires('DidEdgeFallbackRequests', '5m'),
        fires('DidEdgeFallbackRequests', '7m', { ...a, severity: 'warning' }),
      ],
    },
    {
      name: 'a burst of signature failures warns; most requests failing pages',
      interval: '1m',
      input_series: [
        // did-edge: 10 failures a minute among 100 good requests; did-edge-eu: 30 among 10.
        series('did_edge_webhook_signature_failures_total', { ...a, endpoint: 'voice' }, '0+10x20'),
        series('did_edge_webhook_requests_total', { ...a, endpoint: 'voice', outcome: 'forbidden' }, '0+10x20'),
        series('did_edge_webhook_requests_total', { ...a, endpoint: 'voice', outcome: 'routed' }, '0+100x20'),
        series('did_edge_webhook_signature_failures_total', { job: 'did-edge-eu', instance: 'x:9091', endpoint: 'voice' }, '0+30x20'),
        series('did_edge_webhook_requests_total', { job: 'did-edge-eu', instance: 'x:9091', endpoint: 'voice', outcome: 'forbidden' }, '0+30x20'),
        series('did_edge_webhook_requests_total', { job: 'did-edge-eu', instance: 'x:9091', endpoint: 'voice', outcome: 'routed' }, '0+10x20'),
      ],
      alert_rule_test: [
        fires('DidEdgeSignatureFailuresSpike', '10m', { job: 'did-edge', severity: 'warning' }, { job: 'did-edge-eu', severity: 'warning' }),
        fires('DidEdgeSignatureFailuresMostRequests', '10m', { job: 'did-edge-eu', severity: 'critical' }),
      ],
    },
    {
      name: 'ingest: lag, a growing buffer, dropped events and write failures',
      interval: '1m',
      input_series: [
        series('up', a, '1x40'),
        series('up', b, '1x40'),
        series('did_edge_ingest_queue_depth', { ...a, place: 'memory' }, '0+50x40'),
        series('did_edge_ingest_queue_depth', { ...b, place: 'memory' }, '500x40'),
        series('did_edge_ingest_queue_depth', { ...b, place: 'stream' }, '0+1000x40'),
        series('did_edge_ingest_lag_seconds', a, '45x40'),
        series('did_edge_ingest_lag_seconds', b, '5x40'),
        series('did_edge_ingest_events_total', { ...a, kind: 'call', stage: 'dropped' }, absent(8, '3x30')),
        series('did_edge_ingest_events_total', { ...b, kind: 'call', stage: 'written' }, '0+100x40'),
        series('did_edge_ingest_write_failures_total', a, '0+1x40'),
        series('did_edge_ingest_write_failures_total', b, '2x40'),
      ],
      alert_rule_test: [
        fires('DidEdgeIngestBufferGrowing', '5m'),
        fires('DidEdgeIngestBufferGrowing', '25m', { ...a, place: 'memory', severity: 'critical' }),
        fires('DidEdgeIngestLagHigh', '5m', { ...a, severity: 'warning' }),
        fires('DidEdgeIngestEventsDropped', '9m', { ...a, kind: 'call', severity: 'critical' }),
        fires('DidEdgeIngestEventsDropped', '20m'),
        fires('DidEdgeIngestWriteFailures', '10m', { ...a, severity: 'warning' }),
      ],
    },
    {
      name: 'outbound failure rate above 25 % over 15 minutes, with enough attempts to judge',
      interval: '1m',
      input_series: [
        // did-edge: half the attempts retry; did-edge-quiet: every attempt abandoned, but 7 in 15 min.
        series('did_edge_outbound_deliveries_total', { ...a, status: 'delivered' }, '0+6x40'),
        series('did_edge_outbound_deliveries_total', { ...a, status: 'retrying' }, '0+6x40'),
        series('did_edge_outbound_deliveries_total', { job: 'did-edge-quiet', instance: 'q:9091', status: 'abandoned' }, '0+0.5x40'),
        series('did_edge_outbound_deliveries_total', { job: 'did-edge-healthy', instance: 'h:9091', status: 'delivered' }, '0+100x40'),
        series('did_edge_outbound_deliveries_total', { job: 'did-edge-healthy', instance: 'h:9091', status: 'failed' }, '0+1x40'),
      ],
      alert_rule_test: [
        fires('DidEdgeOutboundFailureRate', '10m'),
        fires('DidEdgeOutboundFailureRate', '30m', { job: 'did-edge', severity: 'warning' }),
      ],
    },
    {
      name: 'an instance down for a minute, whatever other jobs do',
      interval: '1m',
      input_series: [
        series('up', a, '1 1 0 0 0 0 0'),
        series('up', { job: 'did-edge-worker', instance: 'worker:9091' }, '1x6'),
        series('up', { job: 'node-exporter', instance: 'n:9100' }, '0x6'),
      ],
      alert_rule_test: [
        fires('DidEdgeInstanceDown', '2m'),
        fires('DidEdgeInstanceDown', '5m', { ...a, severity: 'critical' }),
      ],
    },
    {
      name: 'the database pool is exhausted when requests wait, or every connection is in use, for 5 minutes',
      interval: '1m',
      input_series: [
        // a: all 10 in use; b: 3 waiting; c: half in use, none waiting.
        series('did_edge_db_pool_connections', { ...a, state: 'in_use' }, '10x10'),
        series('did_edge_db_pool_connections', { ...a, state: 'waiting' }, '0x10'),
        series('did_edge_db_pool_max', a, '10x10'),
        series('did_edge_db_pool_connections', { ...b, state: 'in_use' }, '5x10'),
        series('did_edge_db_pool_connections', { ...b, state: 'waiting' }, '3x10'),
        series('did_edge_db_pool_max', b, '10x10'),
        series('did_edge_db_pool_connections', { ...c, state: 'in_use' }, '5x10'),
        series('did_edge_db_pool_connections', { ...c, state: 'waiting' }, '0x10'),
        series('did_edge_db_pool_max', c, '10x10'),
      ],
      alert_rule_test: [
        fires('DidEdgeDatabasePoolExhausted', '3m'),
        fires('DidEdgeDatabasePoolExhausted', '8m', { ...a, severity: 'critical' }, { ...b, severity: 'critical' }),
      ],
    },
  ]
}
