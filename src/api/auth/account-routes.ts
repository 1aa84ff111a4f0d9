import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { publicUserSchema, toPublicUser } from '../users/schemas.js'
import { confirmPasswordReset, register, requestPasswordReset, resendVerification, verifyEmail } from './accounts-service.js'
import {
  registerBodySchema,
  resetConfirmBodySchema,
  resetRequestBodySchema,
  acceptedResponseSchema,
  verifyEmailBodySchema,
  verifyEmailResponseSchema,
} from './schemas.js'
import type { Throttle } from './throttle.js'

/** Registration, email verification and password reset: the routes anyone may call. */
const accountRoutes: FastifyPluginAsyncZod<{ config: AppConfig; throttle: Throttle }> = async (app, { config, throttle }) => {
  const prisma = app.db.prisma
  // The tokens travel only by mail (src/mail), queued in the transaction that issues them.
  const links = { appBaseUrl: config.mail.appBaseUrl }

  app.post(
    '/auth/register',
    {
      config: { access: 'public', audit: { action: 'REGISTER', resource: 'user' } },
      schema: {
        summary: 'Create an account',
        description:
          'Mails an email-verification link valid for 24 hours. Limited per IP (REGISTRATION_RATE_LIMIT_*): 429 with Retry-After.',
        tags: ['auth'],
        body: registerBodySchema,
        response: { 201: publicUserSchema, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      // Before any password hashing: a refused registration costs one counter increment.
      await throttle(reply, 'register', { ip: request.ip })
      const user = await register(prisma, request.body, { registrationOpen: config.auth.registrationOpen, links })
      const view = toPublicUser(user)
      request.audit.userId = user.id
      request.audit.resourceId = user.id
      request.audit.newValues = view
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
    '/auth/verify-email/resend',
    {
      config: { access: 'authenticated', allowUnverified: true, audit: { action: 'VERIFY_EMAIL_RESEND', resource: 'user' } },
      schema: {
        summary: 'Mail a new email-verification link to the caller',
        description: 'The previous link stops working. 409 when the address is already verified.',
        tags: ['auth'],
        response: { 202: acceptedResponseSchema, 401: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { user } = request.principal
      await throttle(reply, 'verification-resend', { ip: request.ip, email: user.email })
      request.audit.resourceId = user.id
      await resendVerification(prisma, user, links)
      return reply.code(202).send({ accepted: true as const })
    },
  )

  app.post(
    '/auth/password-reset/request',
    {
      config: { access: 'public', audit: { action: 'PASSWORD_RESET_REQUEST', resource: 'user' } },
      schema: {
        summary: 'Ask for a password-reset token',
        description:
          'Always answers 202, whether or not an account has this email. A reset link (valid for one hour) is mailed to an existing account.',
        tags: ['auth'],
        body: resetRequestBodySchema,
        response: { 202: acceptedResponseSchema, 400: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { email } = request.body
      await throttle(reply, 'password-reset', { ip: request.ip, email })
      const userId = await requestPasswordReset(prisma, email, links)
      request.audit.newValues = { email }
      if (userId !== undefined) {
        request.audit.userId = userId
        request.audit.resourceId = userId
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
