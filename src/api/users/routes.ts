import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import {
  adminUpdateUserBodySchema,
  listUsersQuerySchema,
  type PublicUser,
  publicUserSchema,
  suspensionBodySchema,
  toPublicUser,
  updateProfileBodySchema,
  userDetailSchema,
} from './schemas.js'
import { adminUpdateUser, getUserDetail, listUsers, suspendUser, unsuspendUser, updateOwnProfile, type UserChange } from './service.js'

/** The audit trail of a change keeps the fields the request named, before and after. */
function changedFields(change: UserChange, fields: readonly string[]) {
  const before = toPublicUser(change.before)
  const after = toPublicUser(change.after)
  const pick = (user: PublicUser) => Object.fromEntries(fields.map((f) => [f, user[f as keyof PublicUser]]))
  return { oldValues: pick(before), newValues: pick(after) }
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema }

/** Users: your own profile, and (read:users / write:users) everyone's. */
const userRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/users/me',
    {
      // Also for an unverified account: it shows emailVerified, which is what verifying needs.
      config: { access: 'authenticated', allowUnverified: true },
      schema: {
        summary: 'The authenticated caller',
        tags: ['users'],
        response: { 200: publicUserSchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => toPublicUser(request.principal.user),
  )

  app.patch(
    '/users/me',
    {
      config: { access: 'authenticated', audit: { action: 'UPDATE', resource: 'user' } },
      schema: {
        summary: 'Change your profile',
        description:
          '`preferences` may be partial: it is merged into the stored preferences, and the result must be a complete ' +
          'UserPreferences. Email, role and password are not changed here.',
        tags: ['users'],
        body: updateProfileBodySchema,
        response: { 200: publicUserSchema, ...errors },
      },
    },
    async (request) => {
      request.audit.resourceId = request.principal.user.id
      const change = await updateOwnProfile(prisma, request.principal.user, request.body)
      Object.assign(request.audit, changedFields(change, Object.keys(request.body)))
      return toPublicUser(change.after)
    },
  )

  app.get(
    '/users',
    {
      config: { access: 'read:users' },
      schema: {
        summary: 'Every user: search, filters, pagination',
        tags: ['users'],
        querystring: listUsersQuerySchema,
        response: { 200: paginatedSchema(publicUserSchema), ...errors },
      },
    },
    async (request) => {
      const { rows, total } = await listUsers(prisma, request.query)
      return paginated(rows.map(toPublicUser), request.query, total)
    },
  )

  app.get(
    '/users/:id',
    {
      config: { access: 'read:users' },
      schema: {
        summary: 'One user, with counts of their numbers, API keys and sessions',
        tags: ['users'],
        params: idParamsSchema,
        response: { 200: userDetailSchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      const { _count, ...user } = await getUserDetail(prisma, request.params.id)
      return { ...toPublicUser(user), _count }
    },
  )

  app.patch(
    '/users/:id',
    {
      config: { access: 'write:users', audit: { action: 'UPDATE', resource: 'user' } },
      schema: {
        summary: "Change a user's profile, status or role",
        description:
          'Only a super administrator changes roles or modifies a super administrator. Nobody changes their own role ' +
          'or deactivates themselves.',
        tags: ['users'],
        params: idParamsSchema,
        body: adminUpdateUserBodySchema,
        response: { 200: publicUserSchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const change = await adminUpdateUser(prisma, request.principal, request.params.id, request.body)
      Object.assign(request.audit, changedFields(change, Object.keys(request.body)))
      return toPublicUser(change.after)
    },
  )

  app.post(
    '/users/:id/suspend',
    {
      config: { access: 'write:users', audit: { action: 'SUSPEND', resource: 'user' } },
      schema: {
        summary: 'Suspend a user',
        description: 'Their API keys and access tokens answer 403 from now on, and all their sessions are revoked.',
        tags: ['users'],
        params: idParamsSchema,
        body: suspensionBodySchema,
        response: { 200: publicUserSchema, ...errors, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const change = await suspendUser(prisma, request.principal, request.params.id, request.body.reason)
      Object.assign(request.audit, changedFields(change, ['isSuspended', 'suspensionReason']))
      request.audit.newValues = { ...(request.audit.newValues as object), sessionsRevoked: change.sessionsRevoked }
      return toPublicUser(change.after)
    },
  )

  app.post(
    '/users/:id/unsuspend',
    {
      config: { access: 'write:users', audit: { action: 'UNSUSPEND', resource: 'user' } },
      schema: {
        summary: 'Lift a suspension',
        description: 'The reason is kept in the audit log. Sessions revoked by the suspension stay revoked.',
        tags: ['users'],
        params: idParamsSchema,
        body: suspensionBodySchema,
        response: { 200: publicUserSchema, ...errors, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const change = await unsuspendUser(prisma, request.principal, request.params.id)
      Object.assign(request.audit, changedFields(change, ['isSuspended', 'suspensionReason']))
      request.audit.newValues = { ...(request.audit.newValues as object), reason: request.body.reason }
      return toPublicUser(change.after)
    },
  )
}

export default userRoutes
