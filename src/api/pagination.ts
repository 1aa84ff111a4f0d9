import { z } from 'zod'

/**
 * The seed's PaginationOptions and PaginatedResult: `?page=&limit=&sortBy=&sortOrder=` in,
 * `{ data, pagination: { page, limit, total, totalPages, hasNext, hasPrevious } }` out.
 * Each list route names the fields it can sort by, so `sortBy` never reaches SQL unchecked.
 */
export const MAX_PAGE_SIZE = 100

export function paginationQuery<const S extends readonly [string, ...string[]]>(sortable: S, defaultSort: S[number]) {
  return {
    page: z.coerce.number().int().min(1).default(1),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
    sortBy: z.enum(sortable).default(defaultSort),
    sortOrder: z.enum(['asc', 'desc']).default('desc'),
  }
}

export const paginationSchema = z.object({
  page: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
  totalPages: z.number().int(),
  hasNext: z.boolean(),
  hasPrevious: z.boolean(),
})

export function paginatedSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: paginationSchema })
}

/** Prisma's `skip`/`take` for a page. */
export function pageWindow(query: { page: number; limit: number }): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.limit, take: query.limit }
}

export function paginated<T>(data: T[], query: { page: number; limit: number }, total: number) {
  const totalPages = Math.ceil(total / query.limit)
  return {
    data,
    pagination: {
      page: query.page,
      limit: query.limit,
      total,
      totalPages,
      hasNext: query.page < totalPages,
      hasPrevious: query.page > 1,
    },
  }
}

/**
 * A query parameter that may be given as `?status=A&status=B` or `?status=A,B`; always an array.
 */
export function listParam<T extends z.ZodType>(item: T) {
  return z
    .preprocess((v) => {
      const values = Array.isArray(v) ? v : v === undefined ? undefined : [v]
      return values?.flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : [x]))
    }, z.array(item).min(1))
    .optional()
}

/** An instant in a query (`2026-11-01` or a full ISO timestamp), documented as a string. */
export const queryInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date such as 2026-11-01 or an ISO timestamp' })
  .transform((v) => new Date(v))

/** A yes/no query parameter: exactly `true` or `false`. */
export const queryBoolean = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true')
