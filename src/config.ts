import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { parseRateCard, type RateCard } from './ingest/rate-card.js'

/**
 * The whole runtime configuration, read once from the environment at boot and passed
 * explicitly from there on. Nothing else in did-edge reads `process.env`.
 */
export interface AppConfig {
  port: number
  /** Where to listen; loopback unless NODE_ENV=production, so a local run (whose banner prints an admin key) is not reachable from the network. */
  host: string
  /**
   * Set: /metrics is served on its own listener on this port (bound to HOST) and not on the main
   * port, so it can stay off the public network. Unset: /metrics on the main port.
   */
  metricsPort: number | undefined
  /** Timeouts and bounds of the HTTP server (README: Timeouts and limits). */
  http: HttpLimits
  /**
   * Set: /metrics on the main port answers only `Authorization: Bearer <this>`. Unset: in
   * production the main port does not serve /metrics at all (404); elsewhere it is open.
   */
  metricsToken: string | undefined
  /** Serve the OpenAPI document and its UI at /docs (default: everywhere but production). */
  docsEnabled: boolean
  /**
   * Which proxies' X-Forwarded-For to believe (Fastify's trustProxy): false, true (any), or a
   * list of addresses/CIDRs. Behind a load balancer it makes `request.ip` the client's, so
   * per-IP rate limits, sessions and audit rows see the real address.
   */
  trustProxy: boolean | string[]
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  nodeEnv: 'development' | 'production' | 'test'
  database: {
    /** Postgres connection string; undefined means the embedded PGlite database. */
    url: string | undefined
    poolMax: number
    /** Where the embedded database (and other local state) lives. */
    dataDir: string
  }
  redisUrl: string | undefined
  /** Prefix of every Redis key and channel did-edge uses, so several deployments (or test runs) share one Redis. */
  redisKeyPrefix: string
  /** The public origin Twilio calls; signatures are checked against it, never against Host. */
  publicBaseUrl: string
  twilio: {
    accountSid: string | undefined
    /** One token, or two during a rotation (TWILIO_AUTH_TOKEN="new,old"). */
    authTokens: string[]
    /** True when no token was configured and one was generated for this development run. */
    authTokenGenerated: boolean
    apiBaseUrl: string | undefined
  }
  bootstrapAdmin: { email: string; apiKey: string } | undefined
  migrateOnStart: boolean
  /** Prices of usage (voice minutes, SMS segments) by country and number type. */
  rateCard: RateCard
  /** Run an ingest consumer in this process (with Redis; `npm run worker` runs them on their own). */
  ingestConsumer: boolean
  /** Seed a demo admin, key, number and configuration (embedded, non-production runs). */
  demo: boolean
  auth: {
    /** HMAC key of access tokens. */
    jwtSecret: string
    /** True when JWT_SECRET was not set and a key was generated for this (non-production) run. */
    jwtSecretGenerated: boolean
    accessTokenTtlSeconds: number
    refreshTokenTtlSeconds: number
    /** Whether anyone may create an account with POST /auth/register. */
    registrationOpen: boolean
    /** Login and password-reset attempts allowed per IP and per email in one window. */
    rateLimit: { max: number; windowSeconds: number }
    /** Registrations allowed per IP in one window. */
    registrationRateLimit: { max: number; windowSeconds: number }
    /** Unverified accounts may do nothing with the API but what verifying needs. */
    requireEmailVerification: boolean
  }
  mail: {
    /** smtp:// or smtps:// URL (with credentials); undefined: mails are logged (outside production) or wait. */
    smtpUrl: string | undefined
    /** The From header of every mail. */
    from: string
    /** Origin of the web pages the links in account mails lead to (/verify-email, /reset-password). */
    appBaseUrl: string
  }
  billing: {
    /** Tax rate applied to orders and invoices, as a decimal string ("0.0825" = 8.25 %). */
    taxRate: string
    /** Days from an invoice's issue to its due date (Net 30). */
    paymentTermsDays: number
  }
}

/**
 * How long a client may take, and how many may hold a connection at once. Twilio gives up on a
 * webhook after 15 s (its read timeout), so a request still arriving after that can no longer be
 * answered in time; these bound what a slow or hostile client costs the server.
 */
export interface HttpLimits {
  /** All request headers must arrive within this (Node's headersTimeout); at most requestTimeoutMs. */
  headersTimeoutMs: number
  /** The whole request, headers and body, must arrive within this (Fastify's requestTimeout). */
  requestTimeoutMs: number
  /** A socket with no traffic either way for this long is closed (Fastify's connectionTimeout). */
  idleTimeoutMs: number
  /** An idle keep-alive connection is kept open this long between requests. */
  keepAliveTimeoutMs: number
  /** Connections held at once; beyond, new ones are closed as soon as accepted (server.maxConnections). */
  maxConnections: number
  /** Largest request body read, in bytes (Fastify's bodyLimit). */
  bodyLimitBytes: number
}

/** Thrown for a bad environment; its message is the one line the operator reads. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

const booleanString = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const integerString = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`)

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an http(s) URL')

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))

const envSchema = (role: ProcessRole) => z
  .object({
    PORT: integerString(0, 65535).default(3000),
    HOST: z.string().trim().min(1, 'must not be empty').optional(),
    METRICS_PORT: optionalText.pipe(integerString(1, 65535).optional()),
    HTTP_HEADERS_TIMEOUT_MS: integerString(100, 600_000).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: integerString(100, 600_000).default(15_000),
    HTTP_IDLE_TIMEOUT_MS: integerString(100, 3_600_000).default(60_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integerString(100, 3_600_000).default(72_000),
    HTTP_MAX_CONNECTIONS: integerString(1, 1_000_000).default(1024),
    BODY_LIMIT_BYTES: integerString(1024, 104_857_600).default(1_048_576),
    METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
    DOCS_ENABLED: booleanString.optional(),
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^(true|false|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, 'must be true, false or a comma-separated list of addresses or CIDRs')
      .default('false'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: optionalText.refine(
      (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
      'must be a postgres:// or postgresql:// URL',
    ),
    DATABASE_POOL_MAX: integerString(1, 1000).default(10),
    DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
    REDIS_URL: optionalText.refine(
      (v) => v === undefined || /^rediss?:\/\//.test(v),
      'must be a redis:// or rediss:// URL',
    ),
    REDIS_KEY_PREFIX: z.string().trim().regex(/^[\w:.-]{1,64}$/, 'must be 1-64 letters, digits or _ : . -').default('did-edge:'),
    PUBLIC_BASE_URL: optionalText.pipe(httpUrl.optional()),
    TWILIO_ACCOUNT_SID: optionalText.refine(
      (v) => v === undefined || /^AC[0-9a-fA-F]{32}$/.test(v),
      'must look like AC followed by 32 hex characters',
    ),
    TWILIO_AUTH_TOKEN: optionalText.refine(
      (v) => v === undefined || v.split(',').every((t) => t.trim().length > 0) && v.split(',').length <= 2,
      'must be one token, or two separated by a comma during a rotation',
    ),
    TWILIO_API_BASE_URL: optionalText.pipe(httpUrl.optional()),
    BOOTSTRAP_ADMIN_EMAIL: optionalText.pipe(z.email('must be an email address').optional()),
    BOOTSTRAP_ADMIN_API_KEY: optionalText.refine(
      (v) => v === undefined || v.length >= 24,
      'must be at least 24 characters',
    ),
    MIGRATE_ON_START: booleanString.default(true),
    RATE_CARD: optionalText,
    INGEST_CONSUMER: booleanString.default(true),
    DEMO: booleanString.optional(),
    JWT_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
    ACCESS_TOKEN_TTL_SECONDS: integerString(60, 86_400).default(900),
    REFRESH_TOKEN_TTL_SECONDS: integerString(300, 31_536_000).default(2_592_000),
    REGISTRATION_OPEN: booleanString.default(true),
    AUTH_RATE_LIMIT_MAX: integerString(1, 100_000).default(10),
    AUTH_RATE_LIMIT_WINDOW_SECONDS: integerString(1, 86_400).default(900),
    REGISTRATION_RATE_LIMIT_MAX: integerString(1, 100_000).default(10),
    REGISTRATION_RATE_LIMIT_WINDOW_SECONDS: integerString(1, 86_400).default(3600),
    REQUIRE_EMAIL_VERIFICATION: booleanString.optional(),
    SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\/[^/?#]+/.test(v), 'must be an smtp:// or smtps:// URL'),
    MAIL_FROM: optionalText.refine(
      (v) => v === undefined || /^([^<>@]*<)?[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$/.test(v),
      'must be an address, optionally with a name: did-edge <no-reply@example.com>',
    ),
    APP_BASE_URL: optionalText.pipe(httpUrl.optional()),
    TAX_RATE: z.string().trim().regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, 'must be a decimal rate between 0 and 1 such as 0.0825').default('0'),
    PAYMENT_TERMS_DAYS: integerString(0, 365).default(30),
  })
  .superRefine((env, ctx) => {
    // Node refuses a headers timeout longer than the request timeout.
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: `must not exceed HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS})` })
    }
    if ((env.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (env.BOOTSTRAP_ADMIN_API_KEY === undefined)) {
      const missing = env.BOOTSTRAP_ADMIN_EMAIL === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_API_KEY'
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other BOOTSTRAP_ADMIN_* variable is set' })
    }
    // The webhook settings matter to the server only: a worker never answers Twilio.
    if (env.NODE_ENV === 'production' && role === 'server') {
      for (const name of ['TWILIO_AUTH_TOKEN', 'PUBLIC_BASE_URL'] as const) {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' })
      }
      // A generated key would log every user out on each restart and differ between instances.
      if (env.JWT_SECRET === undefined) ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' })
      // Verification on and no way to send the mail: no new account could ever use the API.
      if (env.SMTP_URL === undefined && env.REQUIRE_EMAIL_VERIFICATION !== false) {
        ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when NODE_ENV=production (or set REQUIRE_EMAIL_VERIFICATION=false)' })
      }
    }
  })

/** Which process reads the configuration: the HTTP server, or an ingest worker. */
export type ProcessRole = 'server' | 'worker'

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, role: ProcessRole = 'server'): AppConfig {
  const parsed = envSchema(role).safeParse(env)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment')
      const got = typeof env[name] === 'string' && !/TOKEN|KEY|SECRET|PASSWORD|DATABASE_URL|REDIS_URL|SMTP_URL/.test(name)
        ? ` (got "${env[name]}")`
        : ''
      return `${name} ${issue.message.replace(/^Invalid (input|option)(: )?/, 'is invalid: ')}${got}`
    })
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`)
  }
  const e = parsed.data
  let rateCard: RateCard
  try {
    rateCard = parseRateCard(e.RATE_CARD)
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${err instanceof Error ? err.message : String(err)}`)
  }
  const tokens = e.TWILIO_AUTH_TOKEN?.split(',').map((t) => t.trim()) ?? []
  const authTokenGenerated = tokens.length === 0
  // Outside production a missing token is replaced by one generated for this run, so the
  // webhook scope always verifies signatures; the start-up banner prints it for local testing.
  if (authTokenGenerated) tokens.push(randomBytes(16).toString('hex'))
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  return {
    port: e.PORT,
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    metricsPort: e.METRICS_PORT,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    metricsToken: e.METRICS_TOKEN,
    docsEnabled: e.DOCS_ENABLED ?? e.NODE_ENV !== 'production',
    trustProxy:
      e.TRUST_PROXY === 'true' ? true
      : e.TRUST_PROXY === 'false' ? false
      : e.TRUST_PROXY.split(',').map((s) => s.trim()),
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, dataDir: e.DATA_DIR },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    publicBaseUrl,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authTokens: tokens,
      authTokenGenerated,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
    },
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_EMAIL !== undefined && e.BOOTSTRAP_ADMIN_API_KEY !== undefined
        ? { email: e.BOOTSTRAP_ADMIN_EMAIL.toLowerCase(), apiKey: e.BOOTSTRAP_ADMIN_API_KEY }
        : undefined,
    migrateOnStart: e.MIGRATE_ON_START,
    rateCard,
    ingestConsumer: e.INGEST_CONSUMER,
    demo: e.DEMO ?? (e.DATABASE_URL === undefined && e.NODE_ENV !== 'production'),
    auth: {
      jwtSecret: e.JWT_SECRET ?? randomBytes(32).toString('base64url'),
      jwtSecretGenerated: e.JWT_SECRET === undefined,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      registrationOpen: e.REGISTRATION_OPEN,
      rateLimit: { max: e.AUTH_RATE_LIMIT_MAX, windowSeconds: e.AUTH_RATE_LIMIT_WINDOW_SECONDS },
      registrationRateLimit: { max: e.REGISTRATION_RATE_LIMIT_MAX, windowSeconds: e.REGISTRATION_RATE_LIMIT_WINDOW_SECONDS },
      requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION ?? e.NODE_ENV === 'production',
    },
    mail: mailConfig(e.SMTP_URL, e.MAIL_FROM, e.APP_BASE_URL, publicBaseUrl),
    billing: { taxRate: e.TAX_RATE, paymentTermsDays: e.PAYMENT_TERMS_DAYS },
  }
}

/** Mail settings; the sender defaults to no-reply at the public host name. */
function mailConfig(smtpUrl: string | undefined, from: string | undefined, appBaseUrl: string | undefined, publicBaseUrl: string): AppConfig['mail'] {
  return {
    smtpUrl,
    from: from ?? `did-edge <no-reply@${new URL(publicBaseUrl).hostname}>`,
    appBaseUrl: (appBaseUrl ?? publicBaseUrl).replace(/\/+$/, ''),
  }
}
