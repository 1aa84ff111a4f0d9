import { randomUUID } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey } from '../helpers/users.js'
import { hasSeries, sampleValue } from './prometheus-text.js'

t.test('/metrics', async (t) => {
  const fake = await startFakeTwilio(t)
  fake.addAvailable({ phoneNumber: '+14155550100', locality: 'San Francisco', region: 'CA', postalCode: '94103' })
  const app = await buildTestApp(t, { ...fake.env, DATABASE_POOL_MAX: '7' })
  const alice = await createUserWithKey(app.db.prisma)
  const scrape = async () => {
    const res = await app.inject({ url: '/metrics' })
    t.equal(res.statusCode, 200)
    return res.body
  }

  t.test('counts API answers by route template, method and status class, and errors by catalogue code', async (t) => {
    const id = randomUUID()
    const before = await scrape()
    const answers = await Promise.all([
      app.inject({ url: '/api/v1/numbers', headers: alice.auth }),
      app.inject({ url: '/api/v1/numbers?colour=blue', headers: alice.auth }),
      app.inject({ url: '/api/v1/numbers' }),
      app.inject({ url: `/api/v1/numbers/${id}`, headers: alice.auth }),
      app.inject({ url: `/api/v1/no-such-thing/${id}`, headers: alice.auth }),
    ])
    t.same(answers.map((r) => r.statusCode), [200, 400, 401, 404, 404])
    const after = await scrape()
    const grew = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels)

    const requests = 'did_edge_api_requests_total'
    t.equal(grew(requests, { route: '/api/v1/numbers', method: 'GET', status_class: '2xx' }), 1, 'the 200')
    t.equal(grew(requests, { route: '/api/v1/numbers', method: 'GET', status_class: '4xx' }), 2, 'the 400 and the 401')
    t.equal(grew(requests, { route: '/api/v1/numbers/:id', method: 'GET', status_class: '4xx' }), 1, 'the unknown number')
    t.equal(grew(requests, { route: 'unmatched', method: 'GET', status_class: '4xx' }), 1, 'the path no route serves')

    const errors = 'did_edge_api_errors_total'
    t.equal(grew(errors, { route: '/api/v1/numbers', code: 'VALIDATION_FAILED' }), 1)
    t.equal(grew(errors, { route: '/api/v1/numbers', code: 'UNAUTHORIZED' }), 1)
    t.equal(grew(errors, { route: '/api/v1/numbers/:id', code: 'NOT_FOUND' }), 1)
    t.equal(grew(errors, { route: 'unmatched', code: 'NOT_FOUND' }), 1)
    t.equal(grew(errors, { route: '/api/v1/numbers' }), 2, 'the 200 is no error')

    const duration = 'did_edge_api_request_duration_seconds'
    t.equal(grew(`${duration}_count`, { route: '/api/v1/numbers', method: 'GET' }), 3)
    t.equal(grew(`${duration}_bucket`, { route: '/api/v1/numbers', method: 'GET', le: '5' }), 3, 'buckets reach 5 s')
    t.ok(hasSeries(after, `${duration}_bucket`, { le: '0.001' }), 'buckets start at 1 ms')
    t.notMatch(after, id, 'no label carries an id')
    t.notMatch(after, 'no-such-thing', 'an unmatched path is not a label')
    t.equal(sampleValue(after, requests, { route: '/metrics' }), 0, 'only the API is counted')
  })

  t.test('reports the database pool at scrape time', async (t) => {
    const text = await scrape()
    t.equal(sampleValue(text, 'did_edge_db_pool_max'), 7, 'DATABASE_POOL_MAX')
    for (const state of ['in_use', 'idle', 'waiting']) t.ok(hasSeries(text, 'did_edge_db_pool_connections', { state }), state)
    const open = sampleValue(text, 'did_edge_db_pool_connections', { state: 'in_use' }) + sampleValue(text, 'did_edge_db_pool_connections', { state: 'idle' })
    t.ok(open >= 1 && open <= 7, `the pool holds the connections the app opened (${open})`)
  })

  t.test('counts Twilio REST calls by operation and outcome', async (t) => {
    const before = await scrape()
    const search = () => app.inject({ url: '/api/v1/available-numbers?country=US&type=local', headers: alice.auth })
    t.equal((await search()).statusCode, 200)
    fake.fail({ method: 'GET', path: /AvailablePhoneNumbers\/US\/Local\.json$/, status: 500, times: 1 })
    t.equal((await search()).statusCode, 502)
    const after = await scrape()
    const grew = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels)

    t.equal(grew('did_edge_twilio_requests_total', { operation: 'search', outcome: 'success' }), 1)
    t.equal(grew('did_edge_twilio_requests_total', { operation: 'search', outcome: 'error' }), 1)
    t.equal(grew('did_edge_twilio_requests_total', { operation: 'price_list', outcome: 'success' }), 1, 'the price list, fetched once and cached')
    t.equal(grew('did_edge_twilio_request_duration_seconds_count', { operation: 'search' }), 2)
    t.equal(grew('did_edge_api_errors_total', { route: '/api/v1/available-numbers', code: 'UPSTREAM_ERROR' }), 1)
  })

  t.test('exports the process defaults and the outbound metrics before anything happened', async (t) => {
    const text = await scrape()
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds_count', 'process_cpu_seconds_total']) {
      t.ok(hasSeries(text, name), name)
    }
    for (const status of ['delivered', 'failed', 'retrying', 'abandoned']) {
      t.ok(hasSeries(text, 'did_edge_outbound_deliveries_total', { status }), `deliveries ${status}`)
    }
    for (const name of ['did_edge_outbound_retries_total', 'did_edge_outbound_delivery_duration_seconds_count', 'did_edge_outbound_due']) {
      t.ok(hasSeries(text, name), name)
    }
    t.ok(hasSeries(text, 'did_edge_twilio_requests_total', { operation: 'release', outcome: 'error' }), 'every Twilio operation starts at 0')
  })
})
