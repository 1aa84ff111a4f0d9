import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import accountRoutes from './account-routes.js'
import sessionRoutes from './session-routes.js'
import { createThrottle } from './throttle.js'

/**
 * /auth: accounts (register, verify email, reset password) and sessions (login, refresh,
 * logout, list, revoke). One throttle serves both, so its counters are per app instance (or
 * shared through Redis), never per route module.
 */
const authRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app, { config }) => {
  const throttle = createThrottle(config, app.redis, app.log)
  await app.register(accountRoutes, { config, throttle })
  await app.register(sessionRoutes, { config, throttle })
}

export default authRoutes
