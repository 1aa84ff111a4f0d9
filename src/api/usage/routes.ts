import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const usageRoutes: FastifyPluginAsyncZod = async () => {}

export default usageRoutes
