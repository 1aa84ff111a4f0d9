/**
 * Compiles one validated configuration: the rule sequence of ROUTING.md §2, schedules, the
 * caller trie, geographic sets, failover plan and every action's TwiML.
 */
import { CallerTrie } from '../caller/trie.js';
import { parsePattern, type ParsedPattern } from '../caller/pattern.js';
import { compileGeo } from '../geo/place.js';
import { compileSchedule } from '../time/schedule.js';
import { response } from '../twiml/xml.js';
import { compileAction, deepFreeze, DEFAULT_DIAL_TIMEOUT, renderNouns, type RenderContext } from './compile-action.js';
import type { CompiledConfiguration, CompiledFailoverRule, CompiledRule, RuleKind } from '../compiled.js';
import type { Configuration, Decision, DecisionConfiguration, RoutingAction, Schedule } from '../types.js';

// Equal priorities run caller-ID, then geographic, then time (§2).
const KIND_RANK: Record<RuleKind, number> = { callerId: 0, geographic: 1, time: 2 };

interface RawRule {
  kind: RuleKind;
  index: number;
  id: string;
  name: string;
  priority: number;
  action: RoutingAction;
  schedule?: Schedule;
  countries?: string[];
  states?: string[];
  cities?: string[];
  patterns?: string[];
}

/** All rules of a configuration in evaluation order: priority, then kind, then array order. */
export function orderedRules(config: Configuration): RawRule[] {
  const r = config.routingRules;
  // Explicit literals rather than object spreads: spreads are several times slower here.
  const all: RawRule[] = [];
  r.callerIdRules.forEach((x, index) => {
    all.push({ kind: 'callerId', index, id: x.id, name: x.name, priority: x.priority, action: x.action, patterns: x.patterns });
  });
  r.geographicRules.forEach((x, index) => {
    all.push({ kind: 'geographic', index, id: x.id, name: x.name, priority: x.priority, action: x.action, countries: x.countries, states: x.states, cities: x.cities });
  });
  r.timeBasedRules.forEach((x, index) => {
    all.push({ kind: 'time', index, id: x.id, name: x.name, priority: x.priority, action: x.action, schedule: x.schedule });
  });
  return all.sort((a, b) => a.priority - b.priority || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.index - b.index);
}

/** The effective default action: a bare type completed from the configuration (§2). */
export function defaultActionOf(config: Configuration): RoutingAction {
  const type = config.routingRules.defaultAction;
  const fwd = config.callForwarding;
  if (type === 'forward' && fwd !== null) {
    return fwd.timeout === undefined ? { type, destination: fwd.destination } : { type, destination: fwd.destination, options: { timeout: fwd.timeout } };
  }
  if (type === 'conference' && fwd !== null) return { type, destination: fwd.destination };
  return { type };
}

/** Zone of a schedule: its own, else the configuration's, else the owner's (already defaulted to UTC). */
export function scheduleZone(schedule: Schedule, config: Configuration, ownerZone: string): string {
  return schedule.timezone ?? config.timezone ?? ownerZone;
}

function decision(configuration: DecisionConfiguration, rule: CompiledRule['ref'] | null, reason: Decision['reason'], action: RoutingAction, twiml: string): Decision {
  return deepFreeze({ configuration, rule, reason, action, twiml });
}

/** Compiles a validated configuration; `id` is the configuration's id (or a generated one for inline configurations). */
export function compileConfiguration(config: Configuration, id: string, ownerZone: string): CompiledConfiguration {
  const zone = config.timezone ?? ownerZone;
  const selected: DecisionConfiguration = deepFreeze({ id, name: config.name, reason: config.scheduleEnabled ? 'schedule_matched' : 'unscheduled' });
  const continuation: DecisionConfiguration = deepFreeze({ id, name: config.name, reason: 'continuation' });
  const ctx: RenderContext = { config, queueName: id };

  const sequence: CompiledRule[] = [];
  const scan: CompiledRule[] = [];
  const rulesById = new Map<string, CompiledRule>();
  let trie: CallerTrie | null = null;

  for (const raw of orderedRules(config)) {
    const position = sequence.length;
    const ref = deepFreeze({ id: raw.id, type: raw.kind, name: raw.name });
    const state = { configurationId: id, ruleId: raw.id, failover: null, menuPath: null, tries: 0 };
    const action = compileAction(raw.action, ctx, state, { configuration: continuation, rule: ref });
    let patterns: ParsedPattern[] | null = null;
    if (raw.kind === 'callerId') {
      patterns = [];
      trie ??= new CallerTrie();
      for (const text of raw.patterns ?? []) {
        const p = parsePattern(text);
        if ('error' in p) continue; // validated before compiling
        patterns.push(p);
        trie.add(p, position);
      }
    }
    const rule: CompiledRule = {
      kind: raw.kind,
      position,
      id: raw.id,
      name: raw.name,
      priority: raw.priority,
      index: raw.index,
      ref,
      action,
      voiceDecision: decision(selected, ref, 'rule_matched', action.action, action.voice),
      smsDecision: null,
      geo: raw.kind === 'geographic' ? compileGeo(raw.countries ?? [], raw.states, raw.cities) : null,
      schedule: raw.kind === 'time' && raw.schedule !== undefined ? compileSchedule(raw.schedule, scheduleZone(raw.schedule, config, ownerZone)) : null,
      patterns,
    };
    if (action.sms.relayHeads.length === 0) rule.smsDecision = decision(selected, ref, 'rule_matched', action.action, smsFixed(action.sms.reply));
    sequence.push(rule);
    if (raw.kind !== 'callerId') scan.push(rule);
    // First occurrence wins for continuation lookups; duplicates are a lint warning.
    if (!rulesById.has(raw.id)) rulesById.set(raw.id, rule);
  }

  const defaultState = { configurationId: id, ruleId: null, failover: null, menuPath: null, tries: 0 };
  // The default action is never an IVR menu (seed union), so its menu context is never used.
  const defaultAction = compileAction(defaultActionOf(config), ctx, defaultState, { configuration: continuation, rule: null });

  const failover: CompiledFailoverRule[] = config.routingRules.failoverRules.map((f) => ({
    id: f.id,
    attempts: f.attempts,
    delay: f.delay,
    destinations: f.destinations,
    nouns: f.destinations.map((d) => renderNouns(d, ctx)),
  }));

  return {
    id,
    name: config.name,
    config,
    scheduled: config.scheduleEnabled,
    schedule: config.scheduleEnabled && config.schedule !== null ? compileSchedule(config.schedule, scheduleZone(config.schedule, config, ownerZone)) : null,
    zone,
    sequence,
    scan,
    trie,
    defaultAction,
    defaultVoiceDecision: decision(selected, null, 'default_action', defaultAction.action, defaultAction.voice),
    defaultSmsDecision: defaultAction.sms.relayHeads.length === 0 ? decision(selected, null, 'default_action', defaultAction.action, smsFixed(defaultAction.sms.reply)) : null,
    failover,
    rulesById,
    refs: { selected, continuation },
    queue: config.callQueue ? { name: id, maxSize: config.maxQueueSize } : null,
    failoverTimeout: config.callForwarding?.timeout ?? DEFAULT_DIAL_TIMEOUT,
  };
}

// SMS answer that does not depend on the message: the reply, or an empty <Response/>.
function smsFixed(reply: string): string {
  return response(reply);
}
