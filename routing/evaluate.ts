/**
 * The hot path: pick the configuration (ROUTING.md §1), find the first matching rule (§2–5),
 * return a precomputed decision. No trace, no luxon DateTime, and no allocation except the
 * caller's place when a geographic rule is reached and an SMS relay.
 */
import { normalizeCaller } from './caller/normalize.js';
import { geoMatches, resolvePlace, type Place } from './geo/place.js';
import { scheduleOpen } from './time/schedule.js';
import { smsRelayDecision } from './sms.js';
import { explainEvaluate } from './explain.js';
import type { CompiledConfiguration, CompiledNumber, CompiledRule } from './compiled.js';
import type { CallInput, Decision } from './types.js';

/** The configuration that applies at `at`: first open scheduled one (oldest first), else the unscheduled one, else null. */
export function selectConfiguration(compiled: CompiledNumber, at: number): CompiledConfiguration | null {
  const scheduled = compiled.scheduled;
  for (let i = 0; i < scheduled.length; i++) {
    const c = scheduled[i]!;
    if (c.schedule !== null && scheduleOpen(c.schedule, at)) return c;
  }
  return compiled.unscheduled;
}

/** First rule of the sequence matching the call; caller-ID rules come from one trie walk instead of a scan. */
export function firstMatch(cfg: CompiledConfiguration, call: CallInput, caller: string | null): CompiledRule | null {
  const best = cfg.trie === null ? Infinity : cfg.trie.match(caller);
  let place: Place | null = null;
  const scan = cfg.scan;
  for (let i = 0; i < scan.length; i++) {
    const rule = scan[i]!;
    if (rule.position > best) break;
    if (rule.schedule !== null) {
      if (scheduleOpen(rule.schedule, call.at)) return rule;
    } else if (rule.geo !== null) {
      place ??= resolvePlace(call, caller);
      if (geoMatches(rule.geo, place)) return rule;
    }
  }
  return best === Infinity ? null : (cfg.sequence[best] ?? null);
}

/**
 * Routes one call or message. Without `explain` the decision is usually a shared frozen object:
 * do not mutate it. With `explain: true` the same decision comes with the full trace (§9).
 */
export function evaluate(compiled: CompiledNumber, call: CallInput, opts?: { explain?: boolean }): Decision {
  if (opts !== undefined && opts.explain === true) return explainEvaluate(compiled, call);
  const cfg = selectConfiguration(compiled, call.at);
  const sms = call.channel === 'sms';
  if (cfg === null) return sms ? compiled.noConfigurationSms : compiled.noConfigurationVoice;
  const caller = normalizeCaller(call.from, compiled.country);
  const rule = firstMatch(cfg, call, caller);
  if (!sms) return rule === null ? cfg.defaultVoiceDecision : rule.voiceDecision;
  const fixed = rule === null ? cfg.defaultSmsDecision : rule.smsDecision;
  return fixed ?? smsRelayDecision(cfg, rule, call, caller);
}
