// When a failed delivery is tried again, per the endpoint's WebhookRetryPolicy (the seed's
// shape: maxAttempts, backoffStrategy, initialDelay and maxDelay in milliseconds, retryOn).
import { z } from 'zod'

export const BACKOFF_STRATEGIES = ['fixed', 'linear', 'exponential'] as const

export interface WebhookRetryPolicy {
  /** Attempts in all, the first included (1..10). */
  maxAttempts: number
  backoffStrategy: (typeof BACKOFF_STRATEGIES)[number]
  /** Milliseconds before the first retry. */
  initialDelay: number
  /** Milliseconds no delay exceeds. */
  maxDelay: number
  /** HTTP statuses worth retrying; any other non-2xx answer fails the delivery at once. */
  retryOn: number[]
}

export const DEFAULT_RETRY_POLICY: Readonly<WebhookRetryPolicy> = Object.freeze({
  maxAttempts: 5,
  backoffStrategy: 'exponential',
  initialDelay: 1000,
  maxDelay: 60_000,
  retryOn: [408, 429, 500, 502, 503, 504],
})

const DAY_MS = 24 * 60 * 60 * 1000

/** One field of a policy as an API client may give it; absent fields take the default. */
export const retryPolicyFields = {
  maxAttempts: z.number().int().min(1, 'must be at least 1').max(10, 'must be at most 10'),
  backoffStrategy: z.enum(BACKOFF_STRATEGIES),
  initialDelay: z.number().int().min(10, 'must be at least 10 ms').max(DAY_MS, 'must be at most 24 hours'),
  maxDelay: z.number().int().min(10, 'must be at least 10 ms').max(DAY_MS, 'must be at most 24 hours'),
  retryOn: z
    .array(z.number().int().min(400, 'must be an HTTP error status (400-599)').max(599, 'must be an HTTP error status (400-599)'))
    .max(50, 'at most 50 statuses')
    .refine((codes) => new Set(codes).size === codes.length, 'must not repeat a status'),
}

/**
 * A stored policy with every field present. Rows written by hand or by an older version may
 * lack fields or hold nonsense; each such field falls back to the default rather than
 * stopping deliveries.
 */
export function resolveRetryPolicy(stored: unknown): WebhookRetryPolicy {
  const policy: WebhookRetryPolicy = { ...DEFAULT_RETRY_POLICY, retryOn: [...DEFAULT_RETRY_POLICY.retryOn] }
  if (typeof stored !== 'object' || stored === null) return policy
  const given = stored as Record<string, unknown>
  for (const key of Object.keys(retryPolicyFields) as (keyof WebhookRetryPolicy)[]) {
    const parsed = retryPolicyFields[key].safeParse(given[key])
    if (parsed.success) (policy as unknown as Record<string, unknown>)[key] = parsed.data
  }
  if (policy.maxDelay < policy.initialDelay) policy.maxDelay = policy.initialDelay
  return policy
}

/**
 * Milliseconds to wait after failed attempt number `attempt` (1 = the first): fixed = initial;
 * linear = initial × attempt; exponential = initial × 2^(attempt−1); capped at maxDelay.
 * Linear and exponential delays get "equal jitter" (uniform in [delay/2, delay]) so that the
 * retries of many deliveries failed together by one outage do not hit the receiver in step;
 * a fixed delay stays exactly what its name says.
 */
export function retryDelay(policy: WebhookRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, attempt)
  const base =
    policy.backoffStrategy === 'fixed'
      ? policy.initialDelay
      : policy.backoffStrategy === 'linear'
        ? policy.initialDelay * n
        : policy.initialDelay * 2 ** Math.min(n - 1, 40)
  const capped = Math.min(policy.maxDelay, base)
  if (policy.backoffStrategy === 'fixed') return capped
  return Math.round(capped / 2 + (random() * capped) / 2)
}

/** What one attempt's outcome means for the delivery. */
export type AttemptVerdict = 'delivered' | 'retry' | 'failed'

/** An HTTP status (or null: no answer at all, a network error or a timeout) judged by the policy. */
export function judgeAttempt(policy: WebhookRetryPolicy, status: number | null): AttemptVerdict {
  if (status === null) return 'retry'
  if (status >= 200 && status < 300) return 'delivered'
  return policy.retryOn.includes(status) ? 'retry' : 'failed'
}
