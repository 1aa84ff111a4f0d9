import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const logRoutes: FastifyPluginAsyncZod = async () => {}

export default logRoutes
