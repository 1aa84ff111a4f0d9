import { z } from 'zod'
import { warningSchema } from '../configurations/schemas.js'

export const simulatedCallSchema = z.strictObject({
  from: z.string().max(200).describe('Caller as Twilio sends it: E.164, a national format, anonymous, client:name, ...'),
  to: z.string().max(200).optional(),
  at: z.iso.datetime({ offset: true }).optional().describe('The instant of the call (ISO 8601); default now'),
  fromCountry: z.string().max(100).optional(),
  fromState: z.string().max(100).optional(),
  fromCity: z.string().max(100).optional(),
  channel: z.enum(['voice', 'sms']).default('voice'),
  body: z.string().max(1600).optional(),
})

export type SimulatedCall = z.infer<typeof simulatedCallSchema>

export const simulateBodySchema = z
  .strictObject({
    configuration: z.record(z.string(), z.unknown()).optional().describe('An inline configuration (same fields as a stored one)'),
    numberId: z.string().min(1).optional(),
    call: simulatedCallSchema,
  })
  .refine((b) => (b.configuration === undefined) !== (b.numberId === undefined), {
    message: 'give either configuration or numberId, not both',
    path: ['configuration'],
  })

export const simulateNumberBodySchema = z.strictObject({ call: simulatedCallSchema })

const actionSchema = z.object({ type: z.string(), destination: z.string().optional(), options: z.unknown().optional() })

export const simulationSchema = z.object({
  configuration: z.object({ id: z.string().optional(), name: z.string().optional(), reason: z.string() }),
  rule: z.object({ id: z.string(), type: z.string(), name: z.string(), menuPath: z.string().optional() }).nullable(),
  reason: z.string(),
  action: actionSchema.nullable(),
  twiml: z.string(),
  localTime: z.string().nullable(),
  timezone: z.string().nullable(),
  caller: z.object({
    e164: z.string().nullable(),
    anonymous: z.boolean(),
    country: z.string().nullable(),
    state: z.string().nullable(),
    city: z.string().nullable(),
    placeSource: z.enum(['twilio', 'number', 'none']),
  }),
  trace: z.unknown(),
  warnings: z.array(warningSchema),
})

export type Simulation = z.infer<typeof simulationSchema>
