import { z } from 'zod'
import { errorCatalogue } from '../errors.js'

const codes = Object.keys(errorCatalogue) as [keyof typeof errorCatalogue, ...(keyof typeof errorCatalogue)[]]

/** The one JSON error shape of the management API. */
export const errorBodySchema = z.object({
  statusCode: z.number().int(),
  code: z.enum(codes),
  message: z.string(),
  details: z.unknown().optional(),
  requestId: z.string(),
})
