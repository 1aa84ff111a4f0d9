import { z } from 'zod'
import type { User } from '../../generated/prisma/client.js'

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
    role: user.role,
    preferences: user.preferences,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  }
}
