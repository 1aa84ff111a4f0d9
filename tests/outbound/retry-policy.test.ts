import t from 'tap'
import { DEFAULT_RETRY_POLICY, judgeAttempt, resolveRetryPolicy, retryDelay, type WebhookRetryPolicy } from '../../src/outbound/retry-policy.js'

const policy = (p: Partial<WebhookRetryPolicy>): WebhookRetryPolicy => ({ ...DEFAULT_RETRY_POLICY, ...p })

t.test('delays grow per strategy and stop at maxDelay; jitter keeps them between half and all of it', async (t) => {
  const top = () => 0.999999
  const bottom = () => 0
  const cases: Array<[string, Partial<WebhookRetryPolicy>, number[]]> = [
    ['fixed', { backoffStrategy: 'fixed', initialDelay: 500, maxDelay: 10_000 }, [500, 500, 500, 500]],
    ['linear', { backoffStrategy: 'linear', initialDelay: 500, maxDelay: 1_200 }, [500, 1000, 1200, 1200]],
    ['exponential', { backoffStrategy: 'exponential', initialDelay: 1000, maxDelay: 60_000 }, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]],
  ]
  for (const [name, p, expected] of cases) {
    const full = expected.map((_, i) => retryDelay(policy(p), i + 1, top))
    t.same(full, expected, `${name}: the delay after each attempt, at most`)
    const least = expected.map((_, i) => retryDelay(policy(p), i + 1, bottom))
    t.same(least, name === 'fixed' ? expected : expected.map((d) => d / 2), `${name}: at least`)
  }
})

t.test('a 2xx delivers, a status in retryOn or no answer retries, any other status fails', async (t) => {
  const p = policy({ retryOn: [429, 503] })
  const verdicts = [200, 204, 299, 429, 503, null, 500, 404, 400, 301].map((s) => judgeAttempt(p, s))
  t.same(verdicts, ['delivered', 'delivered', 'delivered', 'retry', 'retry', 'retry', 'failed', 'failed', 'failed', 'failed'])
})

t.test('a stored policy missing fields, or holding nonsense, takes the defaults for those fields', async (t) => {
  t.same(resolveRetryPolicy(null), DEFAULT_RETRY_POLICY)
  t.same(resolveRetryPolicy({ maxAttempts: 3 }), { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 })
  t.same(resolveRetryPolicy({ maxAttempts: 99, backoffStrategy: 'random', retryOn: 'all' }), DEFAULT_RETRY_POLICY)
  t.same(resolveRetryPolicy({ initialDelay: 5000, maxDelay: 100 }).maxDelay, 5000, 'maxDelay never below initialDelay')
})
