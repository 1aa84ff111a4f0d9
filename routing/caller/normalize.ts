/**
 * Caller normalization (ROUTING.md §5): `From` to E.164, reading national formats in the
 * number's own country; anything that is not a phone number is "anonymous" (null).
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/min';

const E164_RE = /^\+[1-9]\d{1,14}$/;
const ANONYMOUS_WORDS = new Set(['', 'anonymous', 'unknown', 'restricted', 'private', 'unavailable', 'blocked', 'withheld']);

/** The ISO-2 code when libphonenumber-js knows it, else undefined (upper-cased). */
export function supportedCountry(code: string | undefined): CountryCode | undefined {
  if (code === undefined) return undefined;
  const upper = code.trim().toUpperCase();
  return isSupportedCountry(upper) ? (upper as CountryCode) : undefined;
}

/**
 * E.164 of the caller, or null for an anonymous caller. Twilio's usual E.164 `From` takes a
 * regex test; only other spellings pay for libphonenumber-js (~10 µs).
 */
export function normalizeCaller(from: string | undefined, country: CountryCode | undefined): string | null {
  if (typeof from !== 'string') return null;
  if (E164_RE.test(from)) return from;
  const text = from.trim();
  if (ANONYMOUS_WORDS.has(text.toLowerCase())) return null;
  // client:alice, sip:bob@host and other URIs are not phone numbers.
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) return null;
  if (E164_RE.test(text)) return text;
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || !parsed.isPossible()) return null;
  return parsed.number;
}

/** The ISO-2 country (lower-case) of an E.164 number, or null when the number maps to none. */
export function countryOfNumber(e164: string): string | null {
  const parsed = parsePhoneNumberFromString(e164);
  const country = parsed?.country;
  return country === undefined ? null : country.toLowerCase();
}
