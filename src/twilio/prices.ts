import { Prisma, type NumberType } from '../generated/prisma/client.js'
import type { CountryPriceList } from './numbers.js'

/**
 * Twilio's monthly number prices, per country, kept in this process for an hour: they change
 * rarely, and a search or a purchase should not wait on a second Twilio call each time. A
 * failed fetch is not kept, so the next request tries again; concurrent requests for the same
 * country share one fetch.
 */
export const PRICE_TTL_MS = 60 * 60 * 1000

export interface MonthlyPrice {
  amount: Prisma.Decimal
  currency: string
}

/** Twilio's pricing `number_type` for a did-edge number type (types Twilio does not price: null). */
const PRICING_TYPES: Partial<Record<NumberType, string>> = {
  LOCAL: 'local',
  TOLL_FREE: 'tollfree',
  MOBILE: 'mobile',
  SHARED_COST: 'sharedcost',
}

/** "toll free", "toll-free" and "TOLL_FREE" are the same type. */
const normalType = (t: string) => t.toLowerCase().replace(/[^a-z]/g, '')

/** The monthly price of `type` in a country's price list, or null when Twilio lists none. */
export function monthlyPriceOf(list: CountryPriceList, type: NumberType): MonthlyPrice | null {
  const wanted = PRICING_TYPES[type]
  if (wanted === undefined) return null
  const entry = list.monthly.find((p) => normalType(p.numberType) === wanted)
  if (entry === undefined || !/^\d+(\.\d+)?$/.test(entry.currentPrice)) return null
  return { amount: new Prisma.Decimal(entry.currentPrice), currency: list.currency }
}

export class PriceBook {
  private readonly entries = new Map<string, { at: number; list: Promise<CountryPriceList> }>()

  constructor(
    private readonly fetchCountry: (isoCountry: string) => Promise<CountryPriceList>,
    private readonly ttlMs = PRICE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  country(isoCountry: string): Promise<CountryPriceList> {
    const cached = this.entries.get(isoCountry)
    if (cached !== undefined && this.now() - cached.at < this.ttlMs) return cached.list
    const list = this.fetchCountry(isoCountry)
    const entry = { at: this.now(), list }
    this.entries.set(isoCountry, entry)
    list.catch(() => {
      if (this.entries.get(isoCountry) === entry) this.entries.delete(isoCountry)
    })
    return list
  }
}
