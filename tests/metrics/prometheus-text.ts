/**
 * Reads Prometheus text exposition: the value of the series `name` whose labels include every
 * given label (summed when several match, 0 when none).
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const seen = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => seen[k] === v)) total += Number(match[3])
  }
  return total
}

/** True when at least one sample of the series `name` (with these labels) is exported. */
export function hasSeries(text: string, name: string, labels: Record<string, string> = {}): boolean {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  return text.split('\n').some((line) => {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) return false
    return wanted.every((pair) => line.includes(pair))
  })
}
