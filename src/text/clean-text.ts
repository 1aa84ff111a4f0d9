// Text that did-edge stores but did not write itself (Twilio's parameters, events read back from
// the stream) must be storable in Postgres. Of all code points, Postgres `text` refuses only two
// kinds: NUL (22021, or 22P05 through JSON), which no encoding lets it hold, and lone UTF-16
// surrogates, which UTF-8 cannot encode (22P02 through JSON; a plain parameter is silently
// turned into U+FFFD by Node). Other control characters (tabs, line breaks in an SMS body, even
// \u0001) are stored as they came: they are valid text, and cleaning more would change content.
//
// Nearly every string is clean, so the common case is two native scans and no allocation.

/** The text with NUL removed and lone surrogates replaced by U+FFFD; the same string when clean. */
export function cleanText(value: string): string {
  if (!value.includes('\0') && value.isWellFormed()) return value
  return value.replaceAll('\0', '').toWellFormed()
}

/** cleanText for optional values. */
export function cleanOptionalText<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? cleanText(value) : value) as T
}

/**
 * A JSON-shaped value (an event) with every string in it cleaned. Copies only what changed: a
 * clean value comes back as the same object.
 */
export function cleanStrings<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const cleaned = cleanStrings(value[i] as unknown)
      if (cleaned !== value[i]) (copy ??= value.slice())[i] = cleaned
    }
    return (copy ?? value) as T
  }
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key]
    const cleaned = cleanStrings(item)
    if (cleaned !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned
  }
  return (copy ?? value) as T
}
