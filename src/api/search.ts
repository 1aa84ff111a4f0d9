/**
 * A case-insensitive substring match for a `search` query parameter. Prisma passes `contains`
 * into ILIKE unescaped, so a `%` or `_` typed by the user would be a wildcard: they (and the
 * escape character) are escaped, and the text is matched literally.
 */
export function containsText(search: string) {
  return { contains: search.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' as const }
}
