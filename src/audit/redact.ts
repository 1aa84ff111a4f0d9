/**
 * Audit rows keep what changed, never a secret: any field whose name says it holds one
 * (password, token, secret, key hash, ...) is dropped at any depth before the row is written.
 */
const SECRET_FIELD = /password|secret|token|keyhash|^key$|apikey/i

export function withoutSecrets(value: unknown): unknown {
  if (value === null || value === undefined) return value
  // Dates, Decimals and the like become what the API shows (their JSON form).
  const plain: unknown = JSON.parse(JSON.stringify(value))
  return strip(plain)
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (!SECRET_FIELD.test(k)) out[k] = strip(v)
  }
  return out
}
