import { type PhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { NumberType } from '../generated/prisma/client.js'

export interface NumberClass {
  /** ISO 3166-1 alpha-2. */
  countryCode: string
  numberType: NumberType
  /** The NANP area code (+1 numbers), else null. */
  areaCode: string | null
}

/**
 * What an E.164 number is, before it is bought: its country, and the kind of number Twilio
 * prices it as (toll-free, mobile, or local for everything else: in the US and Canada
 * libphonenumber cannot tell fixed from mobile, and Twilio sells those as local numbers).
 * Uses libphonenumber's full metadata. Null for a number of no known country.
 */
export function classifyNumber(e164: string): NumberClass | null {
  const parsed = parsePhoneNumberFromString(e164)
  return parsed === undefined ? null : classOf(parsed)
}

/**
 * The same for a number that is valid by that metadata (in a range its country's plan assigns);
 * null for one that is not. The country is the one the number belongs to, so "+1 604" is CA.
 */
export function classifyValidNumber(e164: string): NumberClass | null {
  const parsed = parsePhoneNumberFromString(e164)
  return parsed?.isValid() ? classOf(parsed) : null
}

function classOf(parsed: PhoneNumber): NumberClass | null {
  if (parsed.country === undefined) return null
  const type = parsed.getType()
  const numberType: NumberType = type === 'TOLL_FREE' ? 'TOLL_FREE' : type === 'MOBILE' ? 'MOBILE' : 'LOCAL'
  const areaCode = parsed.countryCallingCode === '1' ? parsed.nationalNumber.slice(0, 3) : null
  return { countryCode: parsed.country, numberType, areaCode }
}
