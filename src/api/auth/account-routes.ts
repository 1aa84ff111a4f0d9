import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { publicUserSchema, toPublicUser } from '../users/schemas.js'
import { confirmPasswordReset, register, requestPasswordReset, verifyEmail } from './accounts-service.js'
import {
  registerBodySchema,
  resetConfirmBodySchema,
  resetRequestBodySchema,
  resetRequestResponseSchema,
  verifyEmailBodySchema,
  verifyEmailResponseSchema,
} from './schemas.js'
import type { Throttle } from './throttle.js'

/** Registration, email verification and password reset: the routes anyone may call. */
const accountRoutes: FastifyPluginAsyncZod<{ config: AppConfig; throttle: Throttle }> = async (app, { config, throttle }) => {
  const prisma = app.db.prisma
  // No mail is sent yet: in development the tokens are logged so the flows can be tried by
  // hand. In the message text, because the logger redacts fields named `token`.
  const development = config.nodeEnv === 'development'

  app.post(
    '/auth/register',
    {
      config: { access: 'public', audit: { action: 'REGISTER', resource: 'user' } },
      schema: {
        summary: 'Create an account',
        description: 'Sends (in development: logs) an email-verification token valid for 24 hours.',
        tags: ['auth'],
        body: registerBodySchema,
        response: { 201: publicUserSchema, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { user, verificationToken } = await register(prisma, request.body, { registrationOpen: config.auth.registrationOpen })
      const view = toPublicUser(user)
      request.audit.userId = user.id
      request.audit.resourceId = user.id
      request.audit.newValues = view
      if (development) request.log.info(`email verification token for ${user.email}: ${verificationToken}`)
      return reply.code(201).send(view)
    },
  )

  app.post(
    '/auth/verify-email',
    {
      config: { access: 'public', audit: { action: 'VERIFY_EMAIL', resource: 'user' } },
      schema: {
        summary: 'Confirm an email address with its verification token',
        tags: ['auth'],
        body: verifyEmailBodySchema,
        response: { 200: verifyEmailResponseSchema, 400: errorBodySchema },
      },
    },
    async (request) => {
      const user = await verifyEmail(prisma, request.body.token)
      request.audit.userId = user.id
      request.audit.resourceId = user.id
      request.audit.newValues = { emailVerified: true }
      return { emailVerified: true as const }
    },
  )

  app.post(
    '/auth/password-reset/request',
    {
      config: { access: 'public', audit: { action: 'PASSWORD_RESET_REQUEST', resource: 'user' } },
      schema: {
        summary: 'Ask for a password-reset token',
        description:
          'Always answers 202, whether or not an account has this email. The token (valid for one hour) is sent by email; in development it is logged.',
        tags: ['auth'],
        body: resetRequestBodySchema,
        response: { 202: resetRequestResponseSchema, 400: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { email } = request.body
      await throttle(reply, 'password-reset', { ip: request.ip, email })
      const issued = await requestPasswordReset(prisma, email)
      request.audit.newValues = { email }
      if (issued !== undefined) {
        request.audit.userId = issued.userId
        request.audit.resourceId = issued.userId
        if (development) request.log.info(`password reset token for ${email}: ${issued.token}`)
      }
      return reply.code(202).send({ accepted: true as const })
    },
  )

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { access: 'public', audit: { action: 'PASSWORD_RESET', resource: 'user' } },
      schema: {
        summary: 'Set a new password with a reset token',
        description: 'The token works once. Every session of the account is revoked.',
        tags: ['auth'],
        body: resetConfirmBodySchema,
        response: { 204: z.null().describe('Password changed'), 400: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      await throttle(reply, 'password-reset-confirm', { ip: request.ip })
      const { userId, revokedSessions } = await confirmPasswordReset(prisma, request.body.token, request.body.password)
      request.audit.userId = userId
      request.audit.resourceId = userId
      request.audit.newValues = { revokedSessions }
      return reply.code(204).send(null)
    },
  )
}

export default accountRoutes
