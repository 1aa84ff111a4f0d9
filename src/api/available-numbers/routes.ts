import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'

const availableNumberRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async () => {}

export default availableNumberRoutes
