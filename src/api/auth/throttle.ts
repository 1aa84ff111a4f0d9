import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import type { Redis } from 'ioredis'
import { hashToken } from '../../auth/one-time-tokens.js'
import { RateLimiter } from '../../auth/rate-limit.js'
import type { AppConfig } from '../../config.js'
import { AppError } from '../../errors.js'

/** What is being attempted; each has its own counters. */
export type ThrottledAction = 'login' | 'password-reset' | 'password-reset-confirm' | 'register' | 'verification-resend'

/** An attempt that was let through; `refund` takes it back when it should not count. */
export interface CountedAttempt {
  refund(): Promise<void>
}

/** Counts an attempt from `ip` (and for `email`) and refuses it with 429 once over the limit. */
export type Throttle = (reply: FastifyReply, action: ThrottledAction, who: { ip: string; email?: string }) => Promise<CountedAttempt>

/**
 * Guards the endpoints a password guesser, a mail bomber or an account farmer would hammer:
 * per client IP (one machine trying many accounts) and per email (many machines trying one
 * account). Runs before any password work, so a refused attempt costs the server one counter
 * increment. Registration has its own, usually lower, limit per IP (REGISTRATION_RATE_LIMIT_*).
 */
export function createThrottle(config: AppConfig, redis: Redis | null, log: FastifyBaseLogger): Throttle {
  let redisFailing = false
  const limiter = (limit: { max: number; windowSeconds: number }) =>
    new RateLimiter({
      ...limit,
      redis,
      keyPrefix: `${config.redisKeyPrefix}ratelimit:`,
      onRedisError: (err) => {
        // Logged once per outage, not once per attempt.
        if (!redisFailing) log.warn({ err }, 'rate limiting falls back to per-instance counters: redis failed')
        redisFailing = true
      },
    })
  const attempts = limiter(config.auth.rateLimit)
  const registrations = limiter(config.auth.registrationRateLimit)

  return async (reply, action, who) => {
    if (redisFailing && redis?.status === 'ready') redisFailing = false
    const counters = action === 'register' ? registrations : attempts
    const keys = [`${action}:ip:${who.ip}`]
    // Hashed so Redis holds no email addresses; collisions at 128 bits are not a concern.
    if (who.email !== undefined) keys.push(`${action}:email:${hashToken(who.email).slice(0, 32)}`)
    const hit = await counters.hitAll(keys)
    if (hit.allowed) return { refund: () => counters.refundAll(keys) }
    reply.header('retry-after', String(hit.retryAfterSeconds))
    throw new AppError('RATE_LIMITED', `too many attempts; retry in ${hit.retryAfterSeconds} seconds`)
  }
}
