import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../config.js'
import { createTwilioServices, type TwilioServices } from '../twilio/services.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Twilio's REST API (numbers, cached prices); null when Twilio is not configured. */
    twilio: TwilioServices | null
  }
}

/** One Twilio client and price cache per app, shared by search, purchase, update and release. */
async function twilioPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const services = createTwilioServices(opts.config)
  services?.numbers.reportTo(app.metrics)
  app.decorate('twilio', services)
}

export default fp(twilioPlugin, { name: 'did-edge-twilio', fastify: '5.x', dependencies: ['did-edge-metrics'] })
