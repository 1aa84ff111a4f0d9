import { IANAZone } from 'luxon'
import { z } from 'zod'
import { formatPath } from '../../../routing/index.js'
import { validationFailed } from '../../errors.js'

/**
 * The seed's UserPreferences. A PATCH may send any part of it; the part is deep-merged into
 * what is stored (missing parts come from defaults) and the result must be a complete, valid
 * UserPreferences, so what is stored is always whole.
 */
export const timezoneSchema = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Paris')
export const languageSchema = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'must be a language tag such as en or en-US')

const notificationsSchema = z.strictObject({ email: z.boolean(), sms: z.boolean(), push: z.boolean(), marketing: z.boolean() })
const dashboardSchema = z.strictObject({
  defaultView: z.enum(['numbers', 'analytics', 'billing']),
  chartsType: z.enum(['line', 'bar', 'pie']),
})
const callingSchema = z.strictObject({ recordByDefault: z.boolean(), transcribeByDefault: z.boolean(), blockAnonymous: z.boolean() })

export const userPreferencesSchema = z.strictObject({
  theme: z.enum(['light', 'dark', 'auto']),
  language: languageSchema,
  timezone: timezoneSchema,
  notifications: notificationsSchema,
  dashboard: dashboardSchema,
  calling: callingSchema,
})

export type UserPreferences = z.infer<typeof userPreferencesSchema>

export const userPreferencesPatchSchema = z
  .strictObject({
    theme: userPreferencesSchema.shape.theme.optional(),
    language: languageSchema.optional(),
    timezone: timezoneSchema.optional(),
    notifications: notificationsSchema.partial().optional(),
    dashboard: dashboardSchema.partial().optional(),
    calling: callingSchema.partial().optional(),
  })
  .describe('Any part of UserPreferences; merged into the stored preferences')

export type UserPreferencesPatch = z.infer<typeof userPreferencesPatchSchema>

/** What a user who never chose anything gets; language and time zone follow their profile. */
export function defaultPreferences(user: { language: string; timezone: string }): UserPreferences {
  return {
    theme: 'auto',
    language: user.language,
    timezone: user.timezone,
    notifications: { email: true, sms: true, push: true, marketing: false },
    dashboard: { defaultView: 'numbers', chartsType: 'line' },
    calling: { recordByDefault: false, transcribeByDefault: false, blockAnonymous: false },
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Layers `layers` over `base`, key by key, keeping only the keys `base` has: whatever else an
 * old row may hold is not a preference and is dropped rather than blocking every later change.
 */
function mergeKnown(base: Record<string, unknown>, layers: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, fallback] of Object.entries(base)) {
    const values = layers.map((layer) => (isRecord(layer) ? layer[key] : undefined)).filter((v) => v !== undefined)
    out[key] = isRecord(fallback) ? mergeKnown(fallback, values) : values.length > 0 ? values[values.length - 1] : fallback
  }
  return out
}

/**
 * The preferences after `patch`: defaults, then what is stored, then the patch. A result that
 * is not a valid UserPreferences (a bad value already stored, say) answers 400 naming the path.
 */
export function mergePreferences(
  stored: unknown,
  patch: UserPreferencesPatch,
  user: { language: string; timezone: string },
): UserPreferences {
  const merged = mergeKnown(defaultPreferences(user), [stored, patch])
  const result = userPreferencesSchema.safeParse(merged)
  if (result.success) return result.data
  const details = result.error.issues.map((issue) => ({
    path: formatPath(['preferences', ...issue.path]),
    message: issue.message,
  }))
  throw validationFailed(`${details[0]!.path}: ${details[0]!.message}`, details)
}
