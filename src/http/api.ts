import type { FastifyInstance } from 'fastify'
import configurationRoutes from '../api/configurations/routes.js'
import numberRoutes from '../api/numbers/routes.js'
import simulateRoutes from '../api/simulate/routes.js'
import userRoutes from '../api/users/routes.js'
import apiKeyAuth from '../plugins/api-key-auth.js'

/**
 * The management API scope, mounted at /api/v1. Authentication is registered here and only
 * here, so every route added to this scope is authenticated and nothing outside it is.
 */
export default async function apiScope(app: FastifyInstance) {
  await app.register(apiKeyAuth)
  await app.register(userRoutes)
  await app.register(numberRoutes)
  await app.register(configurationRoutes)
  await app.register(simulateRoutes)
}
