import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const analyticsRoutes: FastifyPluginAsyncZod = async () => {}

export default analyticsRoutes
