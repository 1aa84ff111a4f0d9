import { conflict, validationFailed } from '../errors.js'
import type { NumberType, Prisma, PrismaClient } from '../generated/prisma/client.js'
import { upstreamError } from '../twilio/client.js'
import type { CountryPriceList } from '../twilio/numbers.js'
import { monthlyPriceOf, type PriceBook } from '../twilio/prices.js'
import { setupFeeOf } from './amounts.js'
import { classifyNumber } from './classify.js'
import type { QuotedNumber } from './items.js'

const invalidNumber = (index: number, message: string) =>
  validationFailed(`phoneNumbers[${index}]: ${message}`, [{ path: `phoneNumbers[${index}]`, message }])

/** What did-edge charges for a number: Twilio's monthly price for its type, did-edge's own setup fee. */
export interface ListPrice {
  monthlyPrice: Prisma.Decimal
  setupPrice: Prisma.Decimal
  currency: string
}

/** A country's price list (cached by the price book), or the API's 502 when Twilio cannot give it. */
export async function countryPriceList(prices: PriceBook, country: string): Promise<CountryPriceList> {
  try {
    return await prices.country(country)
  } catch (err) {
    throw upstreamError(`list the prices of numbers in ${country}`, err)
  }
}

/** The price of a number of `numberType` on a country's list; null when Twilio lists none. */
export function listPriceOf(list: CountryPriceList, numberType: NumberType): ListPrice | null {
  const price = monthlyPriceOf(list, numberType)
  return price === null ? null : { monthlyPrice: price.amount, setupPrice: setupFeeOf(numberType), currency: price.currency }
}

/** Why a number has no list price. */
export function unpricedText(numberType: NumberType, countryCode: string): string {
  return `Twilio lists no monthly price for ${numberType.toLowerCase().replace('_', '-')} numbers in ${countryCode}`
}

/**
 * What each requested number is and costs, before anything is written or bought: its country
 * and type, Twilio's monthly price for that type, did-edge's setup fee. Refuses (nothing
 * written) a number of no known country, one did-edge already has a row for, one Twilio
 * lists no price for, and a mix of currencies in one order.
 */
export async function quoteNumbers(prisma: PrismaClient, prices: PriceBook, phoneNumbers: string[]): Promise<QuotedNumber[]> {
  const classes = phoneNumbers.map((phoneNumber, index) => {
    const cls = classifyNumber(phoneNumber)
    if (cls === null) throw invalidNumber(index, `${phoneNumber} is not a number of a known country`)
    return cls
  })

  // phone_number is unique over every row, released ones included: a number did-edge ever
  // had cannot get a second row, so buying it again would leave it bought and unrecorded.
  const known = await prisma.number.findMany({ where: { phoneNumber: { in: phoneNumbers } }, select: { phoneNumber: true, status: true } })
  if (known.length > 0) {
    const [first] = known
    throw conflict(`${first!.phoneNumber} is already registered in did-edge (status ${first!.status})`, {
      phoneNumbers: known.map((k) => k.phoneNumber),
    })
  }

  const countries = [...new Set(classes.map((c) => c.countryCode))]
  const lists = new Map<string, CountryPriceList>()
  await Promise.all(countries.map(async (country) => lists.set(country, await countryPriceList(prices, country))))

  const quoted = classes.map((cls, index): QuotedNumber => {
    const phoneNumber = phoneNumbers[index]!
    const price = listPriceOf(lists.get(cls.countryCode)!, cls.numberType)
    if (price === null) throw invalidNumber(index, unpricedText(cls.numberType, cls.countryCode))
    return { phoneNumber, ...cls, ...price }
  })
  const currencies = new Set(quoted.map((q) => q.currency))
  if (currencies.size > 1) {
    throw validationFailed(`phoneNumbers: the numbers are priced in different currencies (${[...currencies].join(', ')}); order them separately`)
  }
  return quoted
}
