// Which representation a list route answers with: JSON unless the Accept header prefers CSV.

interface MediaRange {
  type: string
  subtype: string
  q: number
  position: number
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part, position) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase())
      const [type = '', subtype = ''] = range.split('/')
      const qParam = params.find((p) => p.startsWith('q='))
      const q = qParam === undefined ? 1 : Number(qParam.slice(2))
      return { type, subtype, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0, position }
    })
    .filter((r) => r.type !== '' && r.subtype !== '')
}

/**
 * How much the client wants `type/subtype`: the quality of the most specific matching range
 * (exact beats `type/*` beats `*\/*`, as RFC 9110 says), with its specificity and position.
 */
function preference(ranges: MediaRange[], type: string, subtype: string) {
  let best: { q: number; specificity: number; position: number } = { q: 0, specificity: -1, position: Infinity }
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 2
      : r.type === type && r.subtype === '*' ? 1
      : r.type === '*' && r.subtype === '*' ? 0
      : -1
    if (specificity > best.specificity) best = { q: r.q, specificity, position: r.position }
  }
  return best
}

/**
 * True when the Accept header prefers text/csv to application/json: a higher quality, or the
 * same quality named more specifically (`text/csv, *\/*`) or earlier (`text/csv, application/json`).
 * No header, `*\/*` or anything else keeps JSON, the API's default.
 */
export function prefersCsv(accept: string | undefined): boolean {
  if (accept === undefined || !accept.toLowerCase().includes('csv')) return false
  const ranges = parseAccept(accept)
  const csv = preference(ranges, 'text', 'csv')
  const json = preference(ranges, 'application', 'json')
  if (csv.q <= 0) return false
  if (csv.q !== json.q) return csv.q > json.q
  if (csv.specificity !== json.specificity) return csv.specificity > json.specificity
  return csv.position < json.position
}
