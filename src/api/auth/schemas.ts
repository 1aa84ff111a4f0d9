import { z } from 'zod'
import { e164Schema } from '../numbers/schemas.js'
import { languageSchema, timezoneSchema } from '../users/preferences.js'
import { publicUserSchema } from '../users/schemas.js'

/**
 * Emails are compared trimmed and lower-cased everywhere (register, login, reset), so
 * "Ann@Example.com " and "ann@example.com" are one account. The pattern is the database's own
 * chk_email_format, so anything accepted here is also accepted by the table; it admits upper
 * case because the OpenAPI document shows it to clients, who may send any case.
 */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be an email address')

/** A password as typed; its strength is checked where the account's email is known. */
const passwordSchema = z.string().min(1, 'is required').max(256, 'must be at most 256 characters')

/** A token as received by email or from login; opaque, bounded. */
const tokenSchema = z.string().min(1, 'is required').max(256, 'must be at most 256 characters')

const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)

export const registerBodySchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema.describe('At least 10 characters and three of: lower case, upper case, digits, symbols.'),
  firstName: name(100),
  lastName: name(100),
  company: name(200).optional(),
  phone: e164Schema.optional(),
  timezone: timezoneSchema.optional(),
  language: languageSchema.optional(),
})
export type RegisterInput = z.infer<typeof registerBodySchema>

export const verifyEmailBodySchema = z.strictObject({ token: tokenSchema })
export const verifyEmailResponseSchema = z.object({ emailVerified: z.literal(true) })

export const resetRequestBodySchema = z.strictObject({ email: emailSchema })
export const acceptedResponseSchema = z.object({ accepted: z.literal(true) })

export const resetConfirmBodySchema = z.strictObject({ token: tokenSchema, password: passwordSchema })

export const loginBodySchema = z.strictObject({ email: emailSchema, password: passwordSchema })
export type LoginInput = z.infer<typeof loginBodySchema>

export const refreshBodySchema = z.strictObject({ refreshToken: tokenSchema })

export const tokenPairSchema = z.object({
  accessToken: z.string().describe('Send as Authorization: Bearer <accessToken>.'),
  refreshToken: z.string().describe('Opaque; exchange it at POST /auth/refresh. Shown once.'),
  expiresIn: z.number().int().describe('Seconds until the access token expires.'),
  user: publicUserSchema,
})

export const sessionSchema = z.object({
  id: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  deviceInfo: z.unknown(),
  current: z.boolean().describe('True for the session of the access token this request presented.'),
})
export type SessionView = z.infer<typeof sessionSchema>

export const sessionListSchema = z.object({ data: z.array(sessionSchema) })

export const sessionParamsSchema = z.object({ id: z.string().min(1) })
