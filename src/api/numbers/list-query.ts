import { z } from 'zod'
import { listParam, paginationQuery, queryInstant } from '../pagination.js'
import { numberStatusSchema, numberTypeSchema } from './schemas.js'

/** The seed's PaginationOptions and SearchFilters for GET /numbers. */
export const numberSortFields = [
  'createdAt',
  'purchasedAt',
  'phoneNumber',
  'friendlyName',
  'monthlyPrice',
  'totalCalls',
  'lastUsedAt',
] as const

export const listNumbersQuerySchema = z
  .strictObject({
    ...paginationQuery(numberSortFields, 'createdAt'),
    search: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(100)
      .optional()
      .describe('Case-insensitive substring of the phone number or the friendly name'),
    status: listParam(numberStatusSchema).describe('One or more statuses (repeated or comma-separated)'),
    type: listParam(numberTypeSchema).describe('One or more number types (repeated or comma-separated)'),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US')
      .transform((c) => c.toUpperCase())
      .optional(),
    areaCode: z.string().regex(/^\d{1,6}$/, 'must be digits').optional(),
    tags: listParam(z.string().trim().min(1).max(50)).describe('Numbers carrying every one of these tags'),
    dateFrom: queryInstant.optional().describe('Created at or after this instant'),
    dateTo: queryInstant.optional().describe('Created at or before this instant'),
    userId: z.string().min(1).optional().describe("Owner's id; only callers who read every tenant may name another user"),
  })
  .refine((q) => q.dateFrom === undefined || q.dateTo === undefined || q.dateFrom <= q.dateTo, {
    message: 'must not be before dateFrom',
    path: ['dateTo'],
  })

export type ListNumbersQuery = z.infer<typeof listNumbersQuerySchema>
