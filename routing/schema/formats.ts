/**
 * Format checks shared by the schemas and the compiler: clock times, IANA zones, destinations,
 * URLs, conference rooms, ISO dates.
 */
import { IANAZone } from 'luxon';

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const E164_RE = /^\+[1-9]\d{1,14}$/;
// A SIP URI up to the first character that cannot appear unescaped in TwiML text or our lists.
const SIP_RE = /^sips?:[^\s,<>"]+$/;
const CLIENT_RE = /^client:[A-Za-z0-9_.@-]{1,256}$/;
const URL_RE = /^https?:\/\/[^\s/?#<>"]+[^\s<>"]*$/;
const ROOM_RE = /^[A-Za-z0-9+_.@:-](?:[A-Za-z0-9+_.@: -]{0,62}[A-Za-z0-9+_.@:-])?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Twilio rings at most 10 numbers at once in one `<Dial>`. */
export const MAX_DIAL_TARGETS = 10;

/** Minutes since local midnight for `HH:mm` (00:00–23:59), `24:00` as 1440 when allowed, else null. */
export function parseClock(text: string, allowEndOfDay: boolean): number | null {
  if (allowEndOfDay && text === '24:00') return 1440;
  const m = HHMM_RE.exec(text);
  return m === null ? null : Number(m[1]) * 60 + Number(m[2]);
}

const zoneValidity = new Map<string, boolean>();

/** IANA zone check through luxon, memoized because each check builds an Intl formatter (~100 µs). */
export function isKnownZone(name: string): boolean {
  let known = zoneValidity.get(name);
  if (known === undefined) {
    known = IANAZone.isValidZone(name);
    if (zoneValidity.size < 2048) zoneValidity.set(name, known);
  }
  return known;
}

/** E.164 with 2–15 digits, first digit not 0. */
export function isE164(text: string): boolean {
  return E164_RE.test(text);
}

/** One dial target: E.164, `sip:`/`sips:` URI, or `client:` identity. */
export function isDialTarget(text: string): boolean {
  return E164_RE.test(text) || (text.length <= 255 && SIP_RE.test(text)) || CLIENT_RE.test(text);
}

/** Splits a forward destination (a comma-separated list) into trimmed targets, or an error message. */
export function parseDialTargets(destination: string): string[] | { error: string } {
  const targets = destination.split(',').map((t) => t.trim());
  if (targets.length > MAX_DIAL_TARGETS) return { error: `at most ${MAX_DIAL_TARGETS} destinations ring together` };
  for (const target of targets) {
    if (target === '') return { error: 'empty entry in the destination list' };
    if (!isDialTarget(target)) {
      return { error: `"${target}" is not an E.164 number (+14155550123), a sip: URI or a client: name` };
    }
  }
  return targets;
}

/** Absolute http(s) URL. */
export function isHttpUrl(text: string): boolean {
  return text.length <= 2048 && URL_RE.test(text);
}

/** Conference room name: 1–64 of letters, digits, space and `+ _ . @ : -`, no surrounding space. */
export function isRoomName(text: string): boolean {
  return ROOM_RE.test(text);
}

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, else null (civil calendar, no Date object). */
export function parseIsoDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Howard Hinnant's days_from_civil: proleptic Gregorian date to days since the epoch. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil, as `YYYY-MM-DD`. */
export function civilFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
