/**
 * Non-blocking warnings about a valid configuration: things that are legal but almost surely
 * not what the operator meant. Definitions are in routing/README.md ("Lint").
 */
import { orderedRules } from './compile/compile-config.js';
import { isAnyNumberPattern, parsePattern } from './caller/pattern.js';
import { isEmptyWeek, isFullWeek, weekBitmap, weeksOverlap } from './time/schedule.js';
import type { Configuration, LintWarning, RoutingAction, Schedule } from './types.js';

const ARRAY_OF = { callerId: 'callerIdRules', geographic: 'geographicRules', time: 'timeBasedRules' } as const;

function rulePath(kind: keyof typeof ARRAY_OF, index: number): string {
  return `routingRules.${ARRAY_OF[kind]}[${index}]`;
}

/** A schedule that is open at every instant: all 10 080 minutes, no holiday, no closing override. */
function alwaysOpen(schedule: Schedule): boolean {
  if ((schedule.holidays ?? []).length > 0) return false;
  if ((schedule.overrides ?? []).some((o) => !o.match)) return false;
  return isFullWeek(weekBitmap(schedule.rules));
}

/** A caller-ID rule every caller matches: `anonymous` plus `+*` (or `+X*`, `+XX*`). */
function matchesEveryCaller(patterns: readonly string[]): boolean {
  const parsed = patterns.map(parsePattern);
  return parsed.some((p) => !('error' in p) && p.kind === 'anonymous') && parsed.some((p) => !('error' in p) && isAnyNumberPattern(p));
}

function lintActions(action: RoutingAction, path: string, config: Configuration, out: LintWarning[]): void {
  if (action.type === 'conference' && !config.conferenceEnabled) {
    out.push({ path, code: 'conference_disabled', message: 'conference action while conferenceEnabled is false (the action still runs)' });
  }
  if (action.type === 'voicemail' && !config.voicemailEnabled) {
    out.push({ path, code: 'voicemail_disabled', message: 'voicemail action while voicemailEnabled is false (the action still runs)' });
  }
  const menu = action.options?.menu;
  if (action.type === 'ivr' && menu !== undefined) {
    if (action.options?.prompt === undefined) {
      out.push({ path: `${path}.options`, code: 'ivr_without_prompt', message: 'menu without a prompt: a generic prompt is spoken' });
    }
    for (const [key, sub] of Object.entries(menu)) lintActions(sub, `${path}.options.menu.${key}`, config, out);
  }
}

/** Lints a validated configuration. */
export function lintConfiguration(config: Configuration): LintWarning[] {
  const out: LintWarning[] = [];
  const rr = config.routingRules;

  const seen = new Map<string, string>();
  const ids: [string, string][] = [
    ...rr.callerIdRules.map((r, i): [string, string] => [r.id, `routingRules.callerIdRules[${i}].id`]),
    ...rr.geographicRules.map((r, i): [string, string] => [r.id, `routingRules.geographicRules[${i}].id`]),
    ...rr.timeBasedRules.map((r, i): [string, string] => [r.id, `routingRules.timeBasedRules[${i}].id`]),
    ...rr.failoverRules.map((r, i): [string, string] => [r.id, `routingRules.failoverRules[${i}].id`]),
  ];
  for (const [id, path] of ids) {
    const first = seen.get(id);
    if (first !== undefined) out.push({ path, code: 'duplicate_rule_id', message: `id "${id}" is already used at ${first}` });
    else seen.set(id, path);
  }

  let winner: { id: string; path: string } | null = null;
  for (const rule of orderedRules(config)) {
    const path = rulePath(rule.kind, rule.index);
    if (winner !== null) {
      out.push({ path, code: 'unreachable_rule', message: `never reached: ${winner.path} ("${winner.id}") matches every call first` });
    }
    if (rule.kind === 'time' && rule.schedule !== undefined) {
      const openable = !isEmptyWeek(weekBitmap(rule.schedule.rules)) || (rule.schedule.overrides ?? []).some((o) => o.match);
      if (!openable) out.push({ path: `${path}.schedule.rules`, code: 'rule_never_matches', message: 'the schedule has no open minute' });
      if (winner === null && alwaysOpen(rule.schedule)) winner = { id: rule.id, path };
    }
    if (rule.kind === 'geographic') {
      const countries = rule.countries ?? [];
      if (countries.every((c) => c.trim() === '')) out.push({ path: `${path}.countries`, code: 'rule_never_matches', message: 'no country listed' });
      countries.forEach((c, k) => {
        if (!/^[A-Za-z]{2}$/.test(c.trim())) {
          out.push({ path: `${path}.countries[${k}]`, code: 'country_not_iso2', message: `"${c}" is not an ISO-2 code; Twilio's FromCountry never equals it` });
        }
      });
    }
    if (rule.kind === 'callerId') {
      const patterns = rule.patterns ?? [];
      if (patterns.length === 0) out.push({ path: `${path}.patterns`, code: 'rule_never_matches', message: 'no pattern listed' });
      if (winner === null && matchesEveryCaller(patterns)) winner = { id: rule.id, path };
    }
    lintActions(rule.action, `${path}.action`, config, out);
  }

  const defaultType = rr.defaultAction;
  lintActions({ type: defaultType }, 'routingRules.defaultAction', config, out);

  const zoneOf = (s: Schedule) => s.timezone ?? config.timezone ?? '(owner)';
  const bitmaps = rr.timeBasedRules.map((r) => weekBitmap(r.schedule.rules));
  for (let j = 1; j < rr.timeBasedRules.length; j++) {
    const later = rr.timeBasedRules[j]!;
    for (let i = 0; i < j; i++) {
      const earlier = rr.timeBasedRules[i]!;
      if (earlier.priority !== later.priority || zoneOf(earlier.schedule) !== zoneOf(later.schedule)) continue;
      if (weeksOverlap(bitmaps[i]!, bitmaps[j]!)) {
        out.push({
          path: `routingRules.timeBasedRules[${j}].schedule`,
          code: 'overlapping_windows',
          message: `overlaps "${earlier.id}" (same priority ${later.priority}): "${earlier.id}" wins where both are open`,
        });
        break;
      }
    }
  }
  return out;
}
