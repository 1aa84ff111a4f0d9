import type { FastifyInstance } from 'fastify'
import { build } from '../../src/app.js'
import { type AppConfig, loadConfig } from '../../src/config.js'
import { createTestDatabase } from './database.js'
import { twilioEnv } from './twilio.js'

type Tap = Parameters<typeof createTestDatabase>[0]

/**
 * The configuration a test app runs with: its own fresh Postgres database, quiet logs, no
 * demo data. `env` adds or overrides variables exactly as an operator would set them.
 */
export async function testConfig(t: Tap, env: Record<string, string> = {}): Promise<AppConfig> {
  const { url } = await createTestDatabase(t)
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, DEMO: 'false', ...env })
}

/** Builds an app on its own database; it is closed when the test ends. */
export async function buildTestApp(t: Tap, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await build(await testConfig(t, env))
  t.teardown(() => app.close())
  return app
}

/**
 * What a production configuration needs to start in a test: the webhook settings, a JWT secret,
 * and (there being no SMTP server) email verification off, which production otherwise requires.
 */
export const productionEnv = {
  ...twilioEnv,
  NODE_ENV: 'production',
  JWT_SECRET: 'j'.repeat(40),
  REQUIRE_EMAIL_VERIFICATION: 'false',
}
