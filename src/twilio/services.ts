import type { AppConfig } from '../config.js'
import { createTwilioClient, twilioCredentials } from './client.js'
import { TwilioNumbers } from './numbers.js'
import { PriceBook } from './prices.js'

/** What the API's number routes use of Twilio: the numbers API and the (cached) price list. */
export interface TwilioServices {
  numbers: TwilioNumbers
  prices: PriceBook
}

/** One set per app, so the price cache is shared by search and purchase; null when Twilio is not configured. */
export function createTwilioServices(config: AppConfig): TwilioServices | null {
  const credentials = twilioCredentials(config)
  if (credentials === null) return null
  const numbers = new TwilioNumbers(createTwilioClient(credentials), credentials.accountSid)
  return { numbers, prices: new PriceBook((country) => numbers.countryPrices(country)) }
}
