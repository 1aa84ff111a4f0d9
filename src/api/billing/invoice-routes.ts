import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'

const invoiceRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async () => {}

export default invoiceRoutes
