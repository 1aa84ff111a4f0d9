import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'

/** Delivers queued outbound webhooks (see src/events/domain-events.ts). */
async function outboundWebhooksPlugin(_app: FastifyInstance, _opts: { config: AppConfig }) {}

export default fp(outboundWebhooksPlugin, { name: 'did-edge-outbound-webhooks', fastify: '5.x', dependencies: ['did-edge-database'] })
