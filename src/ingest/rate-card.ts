// What did-edge charges its users for usage, read once at boot from RATE_CARD (JSON).
//
//   {
//     "currency": "USD",
//     "voicePerMinute": { "default": "0.0085", "LOCAL": "0.0085", "MOBILE": "0.0085", "TOLL_FREE": "0.022" },
//     "smsPerSegment": { "default": "0.0079" },
//     "countries": {
//       "GB": { "voicePerMinute": { "default": "0.012", "MOBILE": "0.02" }, "smsPerSegment": { "default": "0.04" } }
//     }
//   }
//
// Every part is optional; what is given overrides the defaults (DEFAULT_RATE_CARD_INPUT) key
// by key. A price is looked up as: the country's price for the number type, the country's
// default, the card's price for the type, the card's default. Prices are decimal strings (or
// JSON numbers) with at most 4 decimals, the precision of the amount columns: a price that
// cannot be stored exactly is refused rather than silently rounded.
import { z } from 'zod'
import { Prisma } from '../generated/prisma/client.js'

const NUMBER_TYPES = ['LOCAL', 'TOLL_FREE', 'MOBILE', 'INTERNATIONAL', 'PREMIUM', 'SHARED_COST'] as const

/** Prices by number type (LOCAL, MOBILE, ...); `default` applies to the types not listed. */
export type PriceTable = Partial<Record<string, Prisma.Decimal>>

export interface RateCard {
  currency: string
  voicePerMinute: PriceTable & { default: Prisma.Decimal }
  smsPerSegment: PriceTable & { default: Prisma.Decimal }
  /** Overrides by ISO 3166-1 alpha-2 country code (upper case); what they omit falls through to the card's prices. */
  countries: Record<string, { voicePerMinute?: PriceTable; smsPerSegment?: PriceTable }>
}

/** Thrown for an invalid RATE_CARD; the message is one line naming the bad part. */
export class RateCardError extends Error {
  override name = 'RateCardError'
}

const price = z
  .union([z.string().trim(), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^\d{1,8}(\.\d{1,4})?$/.test(v), 'must be a non-negative amount with at most 4 decimals')

const priceByType = z
  .object({ default: price.optional() })
  .catchall(price)
  .superRefine((prices, ctx) => {
    for (const key of Object.keys(prices)) {
      if (key !== 'default' && !(NUMBER_TYPES as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a number type (${NUMBER_TYPES.join(', ')} or default)` })
      }
    }
  })

const countryRates = z.strictObject({ voicePerMinute: priceByType.optional(), smsPerSegment: priceByType.optional() })

/** The JSON shape of RATE_CARD. */
export const rateCardSchema = z.strictObject({
  currency: z.string().trim().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
  voicePerMinute: priceByType.optional(),
  smsPerSegment: priceByType.optional(),
  countries: z
    .record(z.string().regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code'), countryRates)
    .optional(),
})

export type RateCardInput = z.input<typeof rateCardSchema>

/** The rates used when RATE_CARD is not set (Twilio's US list prices, rounded to 4 decimals). */
export const DEFAULT_RATE_CARD_INPUT = {
  currency: 'USD',
  voicePerMinute: { default: '0.0085', LOCAL: '0.0085', MOBILE: '0.0085', TOLL_FREE: '0.022' },
  smsPerSegment: { default: '0.0079' },
} satisfies RateCardInput

function toTable(input: Record<string, string> | undefined): PriceTable {
  const table: PriceTable = {}
  for (const [key, value] of Object.entries(input ?? {})) table[key] = new Prisma.Decimal(value)
  return table
}

function withDefaults(input: z.output<typeof rateCardSchema>): RateCard {
  const d = DEFAULT_RATE_CARD_INPUT
  const countries: RateCard['countries'] = {}
  for (const [code, rates] of Object.entries(input.countries ?? {})) {
    countries[code.toUpperCase()] = { voicePerMinute: toTable(rates.voicePerMinute), smsPerSegment: toTable(rates.smsPerSegment) }
  }
  const voice = { ...toTable(d.voicePerMinute), ...toTable(input.voicePerMinute) }
  const sms = { ...toTable(d.smsPerSegment), ...toTable(input.smsPerSegment) }
  return {
    currency: input.currency ?? d.currency,
    voicePerMinute: { ...voice, default: voice.default ?? new Prisma.Decimal(d.voicePerMinute.default) },
    smsPerSegment: { ...sms, default: sms.default ?? new Prisma.Decimal(d.smsPerSegment.default) },
    countries,
  }
}

/** Parses RATE_CARD (JSON); undefined or blank gives the defaults. Throws RateCardError. */
export function parseRateCard(json: string | undefined): RateCard {
  if (json === undefined || json.trim() === '') return withDefaults({})
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new RateCardError('RATE_CARD is not valid JSON')
  }
  const parsed = rateCardSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? ` ${issue.path.join('.')}` : ''
    throw new RateCardError(`RATE_CARD${where}: ${issue?.message ?? 'invalid'}`)
  }
  return withDefaults(parsed.data)
}

function pick(card: RateCard, country: string, numberType: string, kind: 'voicePerMinute' | 'smsPerSegment'): Prisma.Decimal {
  const override = card.countries[country.toUpperCase()]?.[kind]
  return override?.[numberType] ?? override?.default ?? card[kind][numberType] ?? card[kind].default
}

/** Price of one started minute of a call to a number of this country and type. */
export function voiceRate(card: RateCard, country: string, numberType: string): Prisma.Decimal {
  return pick(card, country, numberType, 'voicePerMinute')
}

/** Price of one SMS segment received on a number of this country and type. */
export function smsRate(card: RateCard, country: string, numberType: string): Prisma.Decimal {
  return pick(card, country, numberType, 'smsPerSegment')
}
