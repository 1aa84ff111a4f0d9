import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const apiKeyRoutes: FastifyPluginAsyncZod = async () => {}

export default apiKeyRoutes
