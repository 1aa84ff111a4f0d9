import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { publicUserSchema, toPublicUser } from './schemas.js'

/** Routes about users; the management-API issue adds the admin routes here. */
const userRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/users/me',
    {
      config: { access: 'authenticated' },
      schema: {
        summary: 'The authenticated caller',
        tags: ['users'],
        response: { 200: publicUserSchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => toPublicUser(request.principal.user),
  )
}

export default userRoutes
