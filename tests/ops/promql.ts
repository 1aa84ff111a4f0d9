// Reads the operations files (Grafana dashboards, Prometheus rules) and pulls metric names out of
// their PromQL, so tests can hold them to what /metrics exports.
//
// Not a PromQL parser: it removes what cannot be a metric name (strings, label matchers, ranges,
// the label lists of by/without/on/ignoring/group_left/group_right, Grafana variables, numbers
// and durations), then keeps the identifiers that are neither called (functions, aggregations)
// nor keywords. That is exact for the expressions these files use; promtool, when installed,
// checks the full grammar of the rules.
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DASHBOARDS_DIR = path.join(ROOT, 'grafana/dashboards')
export const RULES_FILE = path.join(ROOT, 'prometheus/alerts.yml')

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'atan2', 'inf', 'nan'])

/** Series Prometheus itself adds to every target: not exported by did-edge, always there. */
export const PROMETHEUS_OWN = new Set(['up'])

/** Parentheses, brackets and braces balance once strings are removed (a cheap syntax check). */
export function isBalanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  const stack: string[] = []
  for (const ch of stripStrings(expr)) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch)
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false
  }
  return stack.length === 0
}

function stripStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
}

/** The metric names an expression selects, each once, in order of appearance. */
export function metricNames(expr: string): string[] {
  const cleaned = stripStrings(expr)
    .replace(/#[^\n]*/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\][]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
  const names: string[] = []
  const token = /(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[a-zA-Z]*)|([A-Za-z_:][\w:]*)(\s*\()?/g
  for (const match of cleaned.matchAll(token)) {
    const [, , identifier, call] = match
    if (identifier === undefined || call !== undefined || KEYWORDS.has(identifier.toLowerCase())) continue
    if (!names.includes(identifier)) names.push(identifier)
  }
  return names
}

/**
 * The PromQL inside a Grafana query variable: `label_values(<selector>, <label>)` selects
 * `<selector>`; `label_values(<label>)` selects nothing; `query_result(<expr>)` selects `<expr>`.
 */
export function variableExpression(query: string): string {
  const trimmed = query.trim()
  const labelValues = /^label_values\(([\s\S]*),\s*\w+\s*\)$/.exec(trimmed)
  if (labelValues) return labelValues[1] as string
  if (/^label_values\(\s*\w+\s*\)$/.test(trimmed)) return ''
  const queryResult = /^query_result\(([\s\S]*)\)$/.exec(trimmed)
  return queryResult ? (queryResult[1] as string) : trimmed
}

/** `# TYPE <name> <type>` lines of a Prometheus text exposition: name → type. */
export function exportedTypes(exposition: string): Map<string, string> {
  const types = new Map<string, string>()
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1] as string, match[2] as string)
  return types
}

/**
 * Why `name` is not a series of the exposition, or undefined when it is: a counter or gauge by
 * its own name, a histogram through `_bucket`, `_sum` or `_count`, a summary through `_sum` or
 * `_count`, or one of Prometheus' own series.
 */
export function whyNotExported(name: string, types: Map<string, string>): string | undefined {
  if (PROMETHEUS_OWN.has(name)) return undefined
  const type = types.get(name)
  if (type === 'histogram' || type === 'summary') return `${name} is a ${type}: select ${name}_bucket, _sum or _count`
  if (type !== undefined) return undefined
  const suffix = /^(.+)_(bucket|sum|count)$/.exec(name)
  if (suffix) {
    const baseType = types.get(suffix[1] as string)
    if (baseType === 'histogram' || (baseType === 'summary' && suffix[2] !== 'bucket')) return undefined
  }
  return `${name} is not exported by /metrics`
}

export interface Dashboard {
  file: string
  json: {
    uid?: string
    title?: string
    panels?: Panel[]
    templating?: { list?: { name?: string; query?: string | { query?: string }; datasource?: unknown }[] }
  }
}

export interface Panel {
  id?: number
  type?: string
  title?: string
  datasource?: { type?: string; uid?: string } | null
  targets?: { refId?: string; expr?: string; datasource?: unknown }[]
  gridPos?: { x: number; y: number; w: number; h: number }
}

export async function readDashboards(): Promise<Dashboard[]> {
  const files = (await readdir(DASHBOARDS_DIR)).filter((f) => f.endsWith('.json')).sort()
  return Promise.all(files.map(async (file) => ({ file, json: JSON.parse(await readFile(path.join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard['json'] })))
}

export interface AlertRule {
  alert?: string
  record?: string
  expr?: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export interface RuleFile {
  groups?: { name?: string; rules?: AlertRule[] }[]
}

export async function readRules(): Promise<RuleFile> {
  return parse(await readFile(RULES_FILE, 'utf8')) as RuleFile
}

/** Every PromQL expression of the dashboards and the rules, with where it comes from. */
export async function allExpressions(): Promise<{ where: string; expr: string }[]> {
  const found: { where: string; expr: string }[] = []
  for (const { file, json } of await readDashboards()) {
    for (const variable of json.templating?.list ?? []) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query
      if (query) found.push({ where: `${file} variable ${variable.name}`, expr: variableExpression(query) })
    }
    for (const panel of json.panels ?? []) {
      for (const target of panel.targets ?? []) {
        found.push({ where: `${file} panel ${panel.id} "${panel.title}" ${target.refId}`, expr: target.expr ?? '' })
      }
    }
  }
  for (const group of (await readRules()).groups ?? []) {
    for (const rule of group.rules ?? []) found.push({ where: `alerts.yml ${rule.alert ?? rule.record}`, expr: rule.expr ?? '' })
  }
  return found
}
