import { IANAZone } from 'luxon'
import { z } from 'zod'
import { queryInstant } from '../pagination.js'

/** A year and a day: enough for "the last twelve months" in any zone, small enough to stay cheap. */
export const MAX_SPAN_DAYS = 366

export const ianaZoneSchema = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Paris')

export const callAnalyticsQuerySchema = z
  .strictObject({
    from: queryInstant.describe('Start of the period, inclusive'),
    to: queryInstant.describe('End of the period, exclusive'),
    groupBy: z.enum(['day', 'number']).default('day'),
    numberId: z.string().min(1).optional(),
    timezone: ianaZoneSchema.optional().describe("Zone whose calendar days `groupBy=day` counts in; defaults to the caller's profile time zone"),
    userId: z.string().min(1).optional().describe("One user's calls; meaningful for administrators and support (a user only ever sees their own)"),
  })
  .superRefine((q, ctx) => {
    if (q.to.getTime() <= q.from.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' })
    } else if (q.to.getTime() - q.from.getTime() > MAX_SPAN_DAYS * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_SPAN_DAYS} days after from` })
    }
  })

export type CallAnalyticsQuery = z.infer<typeof callAnalyticsQuerySchema>

const totalsShape = {
  calls: z.number().int(),
  answered: z.number().int().describe('Calls that connected: status COMPLETED or ANSWERED with an answer time'),
  missed: z.number().int().describe('Calls with status NO_ANSWER, BUSY, FAILED or CANCELLED'),
  answerRate: z.number().min(0).max(1).describe('answered / calls; 0 when there were no calls'),
  totalDuration: z.number().int().describe('Seconds, over all calls'),
  averageDuration: z.number().describe('Seconds, over answered calls; 0 when none was answered'),
  cost: z.string().describe('Sum of the call prices, as a decimal string'),
}

export const callTotalsSchema = z.object(totalsShape)
export type CallTotals = z.infer<typeof callTotalsSchema>

export const callAnalyticsSchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  groupBy: z.enum(['day', 'number']),
  timezone: z.string().describe('The zone days were counted in'),
  totals: callTotalsSchema,
  groups: z.array(
    z.object({
      key: z
        .string()
        .nullable()
        .describe('groupBy=day: the local date (YYYY-MM-DD); groupBy=number: the number id, null for calls not tied to a number'),
      label: z.string().optional().describe('groupBy=number: the phone number'),
      ...totalsShape,
    }),
  ),
})

export type CallAnalytics = z.infer<typeof callAnalyticsSchema>
