import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

const notificationRoutes: FastifyPluginAsyncZod = async () => {}

export default notificationRoutes
