import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import type { AppConfig } from '../config.js'
import { securityHeaders } from '../http/security-headers.js'

/**
 * The OpenAPI 3 document, generated from the zod schemas of the routes themselves, so it cannot
 * drift from what the server validates. `GET /docs/json` serves it, `/docs` browses it. Each
 * authenticated route is marked with bearer security and the permission it requires.
 * Registered before the routes: @fastify/swagger collects them as they are added. With
 * DOCS_ENABLED=false (the production default) nothing is registered and /docs is a 404.
 */
async function openapiPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  if (!opts.config.docsEnabled) return
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'did-edge',
        version: '1',
        description:
          'Management API of did-edge. Authenticate with `Authorization: Bearer <token>`, where the token is an API key ' +
          '(`dek_…`) or an access token from `POST /api/v1/auth/login`. Errors share one shape: ' +
          '`{ statusCode, code, message, details?, requestId }`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key or an access token' },
        },
      },
    },
    // Only the management API is documented: Twilio's webhooks, health and metrics are not
    // for API clients (their contracts are Twilio's and Prometheus').
    hideUntagged: true,
    transform: (args) => {
      const { schema, url } = jsonSchemaTransform(args)
      const access = args.route.config?.access
      if (access === undefined || access === 'public') return { schema, url }
      const requirement = access === 'authenticated' ? 'any authenticated caller' : `the \`${access}\` permission`
      const description = [schema.description, `Requires ${requirement}.`].filter(Boolean).join('\n\n')
      return { schema: { ...schema, description, security: [{ bearerAuth: [] }] }, url }
    },
    transformObject: jsonSchemaTransformObject,
  })
  // Its own scope, so the security headers cover /docs without reaching the Twilio scope.
  // helmet's default CSP suits swagger-ui 5 (scripts and styles are its own files, images
  // 'self' or data:) once the UI stops loading the validator badge from validator.swagger.io.
  await app.register(async (docs) => {
    await docs.register(helmet, securityHeaders(opts.config))
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } })
  })
}

export default fp(openapiPlugin, { name: 'did-edge-openapi', fastify: '5.x' })
