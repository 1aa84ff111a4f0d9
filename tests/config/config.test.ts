import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

t.test('an empty environment gives a working development configuration', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1', 'a development run is reachable from this machine only')
  t.equal(config.metricsPort, undefined, '/metrics on the main port')
  t.equal(config.metricsToken, undefined)
  t.equal(config.docsEnabled, true, '/docs is served')
  t.equal(config.trustProxy, false, 'X-Forwarded-For is not believed unless told')
  t.equal(config.nodeEnv, 'development')
  t.equal(config.database.url, undefined, 'embedded database')
  t.equal(config.database.dataDir, './data')
  t.equal(config.database.poolMax, 10)
  t.equal(config.redisUrl, undefined)
  t.equal(config.publicBaseUrl, 'http://localhost:3000')
  t.same(config.http, { headersTimeoutMs: 10_000, requestTimeoutMs: 15_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 72_000, maxConnections: 1024, bodyLimitBytes: 1_048_576 }, 'timeouts within Twilio\'s 15 s')
  t.equal(config.migrateOnStart, true)
  t.equal(config.demo, true, 'the embedded database seeds the demo')
  t.equal(config.twilio.authTokenGenerated, true)
  t.equal(config.twilio.authTokens.length, 1)
  t.match(config.twilio.authTokens[0], /^[0-9a-f]{32}$/)
})

t.test('every variable is read into the typed configuration', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '127.0.0.1',
    METRICS_PORT: '9464',
    HTTP_HEADERS_TIMEOUT_MS: '5000',
    HTTP_REQUEST_TIMEOUT_MS: '12000',
    HTTP_IDLE_TIMEOUT_MS: '30000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '650000',
    HTTP_MAX_CONNECTIONS: '4096',
    BODY_LIMIT_BYTES: '65536',
    METRICS_TOKEN: 'm'.repeat(24),
    DOCS_ENABLED: 'true',
    TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u@db:5432/did',
    DATABASE_POOL_MAX: '25',
    DATA_DIR: '/var/lib/did-edge',
    REDIS_URL: 'redis://cache:6379',
    PUBLIC_BASE_URL: 'https://edge.example.com/',
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'new-token, old-token',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9999',
    BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com',
    BOOTSTRAP_ADMIN_API_KEY: 'k'.repeat(40),
    JWT_SECRET: 's'.repeat(40),
    ACCESS_TOKEN_TTL_SECONDS: '600',
    REFRESH_TOKEN_TTL_SECONDS: '86400',
    REGISTRATION_OPEN: 'false',
    AUTH_RATE_LIMIT_MAX: '5',
    AUTH_RATE_LIMIT_WINDOW_SECONDS: '60',
    REGISTRATION_RATE_LIMIT_MAX: '3',
    REGISTRATION_RATE_LIMIT_WINDOW_SECONDS: '120',
    SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
    MAIL_FROM: 'Edge <ops@example.com>',
    APP_BASE_URL: 'https://app.example.com/',
    TAX_RATE: '0.0825',
    PAYMENT_TERMS_DAYS: '15',
    MIGRATE_ON_START: 'false',
    INGEST_CONSUMER: 'false',
    RATE_CARD: '{"voicePerMinute":{"LOCAL":"0.01"}}',
  })
  const { rateCard, ...rest } = config
  t.equal(rateCard.voicePerMinute.LOCAL?.toString(), '0.01')
  t.same(rest, {
    port: 8080,
    host: '127.0.0.1',
    metricsPort: 9464,
    http: { headersTimeoutMs: 5000, requestTimeoutMs: 12000, idleTimeoutMs: 30000, keepAliveTimeoutMs: 650000, maxConnections: 4096, bodyLimitBytes: 65536 },
    metricsToken: 'm'.repeat(24),
    docsEnabled: true,
    trustProxy: ['10.0.0.0/8', '192.168.1.1'],
    logLevel: 'warn',
    nodeEnv: 'production',
    database: { url: 'postgres://u@db:5432/did', poolMax: 25, dataDir: '/var/lib/did-edge' },
    redisUrl: 'redis://cache:6379',
    redisKeyPrefix: 'did-edge:',
    publicBaseUrl: 'https://edge.example.com',
    twilio: {
      accountSid: `AC${'a'.repeat(32)}`,
      authTokens: ['new-token', 'old-token'],
      authTokenGenerated: false,
      apiBaseUrl: 'http://127.0.0.1:9999',
    },
    bootstrapAdmin: { email: 'root@example.com', apiKey: 'k'.repeat(40) },
    migrateOnStart: false,
    ingestConsumer: false,
    demo: false,
    auth: {
      jwtSecret: 's'.repeat(40),
      jwtSecretGenerated: false,
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 86400,
      registrationOpen: false,
      rateLimit: { max: 5, windowSeconds: 60 },
      registrationRateLimit: { max: 3, windowSeconds: 120 },
      requireEmailVerification: true,
    },
    mail: { smtpUrl: 'smtps://mailer:pw@smtp.example.com:465', from: 'Edge <ops@example.com>', appBaseUrl: 'https://app.example.com' },
    billing: { taxRate: '0.0825', paymentTermsDays: 15 },
  })
})

const refusals: Array<[string, Record<string, string>, RegExp]> = [
  ['a port that is not a number', { PORT: 'abc' }, /PORT must be a whole number \(got "abc"\)/],
  ['a port out of range', { PORT: '70000' }, /PORT must be between 0 and 65535/],
  ['a metrics port of zero', { METRICS_PORT: '0' }, /METRICS_PORT must be between 1 and 65535/],
  ['a proxy list with spaces inside an entry', { TRUST_PROXY: '10.0.0.1 10.0.0.2' }, /TRUST_PROXY must be true, false or a comma-separated list/],
  ['a metrics port that is not a number', { METRICS_PORT: 'nine' }, /METRICS_PORT must be a whole number/],
  ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, /NODE_ENV/],
  ['a database URL of another kind', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
  ['a pool of zero connections', { DATABASE_POOL_MAX: '0' }, /DATABASE_POOL_MAX must be between 1/],
  ['a Redis URL of another kind', { REDIS_URL: 'http://cache' }, /REDIS_URL must be a redis/],
  ['a public URL that is not http(s)', { PUBLIC_BASE_URL: 'ftp://edge' }, /PUBLIC_BASE_URL must be an http\(s\) URL/],
  ['a malformed account SID', { TWILIO_ACCOUNT_SID: 'XY1' }, /TWILIO_ACCOUNT_SID/],
  ['three auth tokens', { TWILIO_AUTH_TOKEN: 'a,b,c' }, /TWILIO_AUTH_TOKEN must be one token, or two/],
  ['a bootstrap email without its key', { BOOTSTRAP_ADMIN_EMAIL: 'a@b.co' }, /BOOTSTRAP_ADMIN_API_KEY is required/],
  ['a bootstrap key without its email', { BOOTSTRAP_ADMIN_API_KEY: 'x'.repeat(30) }, /BOOTSTRAP_ADMIN_EMAIL is required/],
  ['a short bootstrap key', { BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', BOOTSTRAP_ADMIN_API_KEY: 'short' }, /BOOTSTRAP_ADMIN_API_KEY must be at least 24/],
  ['a rate card that is not JSON', { RATE_CARD: '{' }, /RATE_CARD is not valid JSON/],
  ['a boolean that is not one', { MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START must be true or false/],
  ['production without an auth token', { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://e.example' }, /TWILIO_AUTH_TOKEN is required when NODE_ENV=production/],
  ['production without a public URL', { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: 't' }, /PUBLIC_BASE_URL is required when NODE_ENV=production/],
  ['production without a JWT secret', { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: 't', PUBLIC_BASE_URL: 'https://e.example' }, /JWT_SECRET is required when NODE_ENV=production/],
  ['a short JWT secret', { JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
  ['a headers timeout longer than the request timeout', { HTTP_HEADERS_TIMEOUT_MS: '20000' }, /HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS \(15000\)/],
  ['a connection cap of zero', { HTTP_MAX_CONNECTIONS: '0' }, /HTTP_MAX_CONNECTIONS must be between 1/],
  ['a short metrics token', { METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
  ['a docs switch that is not a boolean', { DOCS_ENABLED: 'sometimes' }, /DOCS_ENABLED must be true or false/],
  ['a tax rate above 1', { TAX_RATE: '1.5' }, /TAX_RATE must be a decimal rate between 0 and 1/],
]

for (const [what, env, message] of refusals) {
  t.test(`${what} is refused with a message naming the variable`, async (t) => {
    t.throws(() => loadConfig(env), ConfigError)
    try {
      loadConfig(env)
    } catch (err) {
      t.match((err as Error).message, message)
      t.notMatch((err as Error).message, /\n/, 'one line')
    }
  })
}

// What production needs to start (no SMTP server here, so email verification is off).
const production = { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: 't', PUBLIC_BASE_URL: 'https://e.example', JWT_SECRET: 's'.repeat(32), REQUIRE_EMAIL_VERIFICATION: 'false' }

t.test('HOST defaults to loopback outside production and to every interface in production', async (t) => {
  t.equal(loadConfig({ NODE_ENV: 'development' }).host, '127.0.0.1')
  t.equal(loadConfig({ NODE_ENV: 'test' }).host, '127.0.0.1')
  t.equal(loadConfig(production).host, '0.0.0.0', 'a container must be reachable from outside itself')
  t.equal(loadConfig({ ...production, HOST: '10.1.2.3' }).host, '10.1.2.3', 'an explicit HOST wins')
  t.equal(loadConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0')
})

t.test('docs are served by default outside production only; DOCS_ENABLED decides either way', async (t) => {
  t.equal(loadConfig(production).docsEnabled, false)
  t.equal(loadConfig({ ...production, DOCS_ENABLED: 'true' }).docsEnabled, true)
  t.equal(loadConfig({ NODE_ENV: 'test' }).docsEnabled, true)
  t.equal(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled, false)
})

t.test('secret values are never echoed in a configuration error', async (t) => {
  try {
    loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', BOOTSTRAP_ADMIN_API_KEY: 'tiny-secret' })
    t.fail('should throw')
  } catch (err) {
    t.notMatch((err as Error).message, /tiny-secret/)
  }
})

t.test('a worker runs in production without the webhook settings only the server needs', async (t) => {
  const config = loadConfig({ NODE_ENV: 'production', REDIS_URL: 'redis://cache:6379' }, 'worker')
  t.equal(config.nodeEnv, 'production')
  t.throws(() => loadConfig({ NODE_ENV: 'production', REDIS_URL: 'redis://cache:6379' }), ConfigError)
})
