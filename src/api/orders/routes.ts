import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'

const orderRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async () => {}

export default orderRoutes
