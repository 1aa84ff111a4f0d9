import { randomBytes } from 'node:crypto'

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/**
 * A new order number, `ORD-YYYYMMDD-XXXXXX`: the UTC day, then six random base32 characters
 * (30 bits: a collision within one day is unlikely, and the unique index catches it; the
 * caller retries with another).
 */
export function newOrderNumber(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '')
  const bytes = randomBytes(6)
  let suffix = ''
  for (const byte of bytes) suffix += BASE32[byte & 31]
  return `ORD-${day}-${suffix}`
}
