import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ensureBootstrapAdmin } from '../bootstrap/admin.js'
import { type DemoSeed, seedDemo } from '../bootstrap/demo.js'
import type { AppConfig } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What the embedded demo seeded on this start (its key is shown once), or null. */
    demo: DemoSeed | null
  }
}

/** Creates the first administrator (BOOTSTRAP_ADMIN_*) and, in demo runs, the demo data. */
async function bootstrapPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { bootstrapAdmin, demo, twilio } = opts.config
  if (bootstrapAdmin !== undefined) {
    const result = await ensureBootstrapAdmin(app.db.prisma, bootstrapAdmin)
    app.log.info(
      { email: bootstrapAdmin.email, userCreated: result.created, keyCreated: result.keyCreated },
      'bootstrap administrator ensured',
    )
  }
  app.decorate('demo', demo ? await seedDemo(app.db.prisma, twilio.accountSid) : null)
}

export default fp(bootstrapPlugin, { name: 'did-edge-bootstrap', fastify: '5.x', dependencies: ['did-edge-database'] })
