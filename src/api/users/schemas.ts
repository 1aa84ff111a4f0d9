import { z } from 'zod'
import type { User } from '../../generated/prisma/client.js'
import { listParam, paginationQuery, queryBoolean, queryInstant } from '../pagination.js'
import { e164Schema } from '../numbers/schemas.js'
import { languageSchema, timezoneSchema, userPreferencesPatchSchema } from './preferences.js'

export const userRoleSchema = z.enum(['USER', 'ADMIN', 'SUPER_ADMIN', 'DEVELOPER', 'SUPPORT'])

/** A user as the API shows it: never the password hash or any verification/reset token. */
export const publicUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  company: z.string().nullable(),
  phone: z.string().nullable(),
  avatar: z.string().nullable(),
  timezone: z.string(),
  language: z.string(),
  emailVerified: z.boolean(),
  isActive: z.boolean(),
  isSuspended: z.boolean(),
  suspensionReason: z.string().nullable(),
  role: userRoleSchema,
  preferences: z.unknown(),
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type PublicUser = z.infer<typeof publicUserSchema>

/** Copies the public fields only, so a secret column added later cannot leak by default. */
export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    company: user.company,
    phone: user.phone,
    avatar: user.avatar,
    timezone: user.timezone,
    language: user.language,
    emailVerified: user.emailVerified,
    isActive: user.isActive,
    isSuspended: user.isSuspended,
    suspensionReason: user.suspensionReason,
    role: user.role,
    preferences: user.preferences,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  }
}

/** What a user changes about themselves; email, role and password have their own ways. */
const profileFields = {
  firstName: z.string().trim().min(1, 'must not be empty').max(100),
  lastName: z.string().trim().min(1, 'must not be empty').max(100),
  company: z.string().trim().min(1, 'must not be empty').max(200).nullable(),
  phone: e164Schema.nullable(),
  avatar: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048).nullable(),
  timezone: timezoneSchema,
  language: languageSchema,
  preferences: userPreferencesPatchSchema,
}

export const updateProfileBodySchema = z.strictObject(profileFields).partial()

export type ProfileInput = z.infer<typeof updateProfileBodySchema>

/** What an administrator may change about a user (`role`: super administrators only). */
export const adminUpdateUserBodySchema = z
  .strictObject({
    ...profileFields,
    role: userRoleSchema,
    isActive: z.boolean(),
    emailVerified: z.boolean(),
  })
  .partial()

export type AdminUserInput = z.infer<typeof adminUpdateUserBodySchema>

/** A boolean in a query string: exactly `true` or `false`. */

export const listUsersQuerySchema = z.strictObject({
  search: z.string().trim().min(1).max(200).optional().describe('Case-insensitive part of email, first or last name, or company'),
  role: listParam(userRoleSchema),
  isActive: queryBoolean.optional(),
  isSuspended: queryBoolean.optional(),
  dateFrom: queryInstant.optional().describe('Created at or after'),
  dateTo: queryInstant.optional().describe('Created at or before'),
  ...paginationQuery(['createdAt', 'email', 'lastName', 'lastLoginAt'], 'createdAt'),
})

export type ListUsersQuery = z.infer<typeof listUsersQuerySchema>

export const userDetailSchema = publicUserSchema.extend({
  _count: z.object({ numbers: z.number().int(), apiKeys: z.number().int(), sessions: z.number().int() }),
})

export const suspensionBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'must not be empty').max(500),
})
