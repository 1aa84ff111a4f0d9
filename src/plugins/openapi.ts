import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

/**
 * The OpenAPI 3 document, generated from the zod schemas of the routes themselves, so it cannot
 * drift from what the server validates. `GET /docs/json` serves it, `/docs` browses it. Each
 * authenticated route is marked with bearer security and the permission it requires.
 * Registered before the routes: @fastify/swagger collects them as they are added.
 */
async function openapiPlugin(app: FastifyInstance) {
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
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export default fp(openapiPlugin, { name: 'did-edge-openapi', fastify: '5.x' })
