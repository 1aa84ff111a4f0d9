/**
 * Failover (ROUTING.md §7): what to do when a forward's `<Dial>` (or `<Enqueue>`) ends. The
 * call stays on the configuration it started with, found again by id from the continuation.
 */
import { CONTINUATION_PATHS, continuationUrl } from './continuation.js';
import { renderVoicemail } from './compile/compile-action.js';
import { HANGUP_TWIML } from './twiml/defaults.js';
import { dial, pause } from './twiml/verbs.js';
import { response } from './twiml/xml.js';
import type { CompiledConfiguration, CompiledFailoverRule, CompiledNumber } from './compiled.js';
import type { ContinuationState, Decision } from './types.js';

/** DialCallStatus values that move the call to the next failover step. */
export const FAILOVER_DIAL_STATUSES: ReadonlySet<string> = new Set(['busy', 'no-answer', 'failed', 'canceled']);
/** QueueResult values that mean no agent took the call, so failover proceeds. */
export const FAILOVER_QUEUE_RESULTS: ReadonlySet<string> = new Set(['queue-full', 'leave', 'error', 'system-error']);

type Position = NonNullable<ContinuationState['failover']>;

/** The failover position after `current` (null = before the first step), or null when the plan is spent. */
export function nextFailoverStep(rules: readonly CompiledFailoverRule[], current: Position | null): Position | null {
  if (current === null) return rules.length > 0 ? { rule: 0, destination: 0, attempt: 1 } : null;
  const rule = rules[current.rule];
  if (rule === undefined) return null;
  if (current.destination < rule.destinations.length) {
    if (current.attempt < rule.attempts) return { rule: current.rule, destination: current.destination, attempt: current.attempt + 1 };
    if (current.destination + 1 < rule.destinations.length) return { rule: current.rule, destination: current.destination + 1, attempt: 1 };
  }
  return current.rule + 1 < rules.length ? { rule: current.rule + 1, destination: 0, attempt: 1 } : null;
}

/** Decision when the continuation names a configuration this compile does not have. */
export function staleDecision(): Decision {
  return { configuration: null, rule: null, reason: 'continuation_stale', action: null, twiml: HANGUP_TWIML };
}

/** The next failover step's dial, or the end of the plan: voicemail when enabled, else hang up. */
export function failoverDecision(cfg: CompiledConfiguration, state: ContinuationState): Decision {
  const next = nextFailoverStep(cfg.failover, state.failover);
  const configuration = cfg.refs.continuation;
  if (next !== null) {
    const rule = cfg.failover[next.rule]!;
    const url = continuationUrl(CONTINUATION_PATHS.dialResult, { ...state, failover: next, tries: 0 });
    // The rule's delay separates two dials of the same rule; its first dial follows at once.
    const gap = next.destination === 0 && next.attempt === 1 ? '' : pause(rule.delay);
    const nouns = rule.nouns[next.destination] ?? '';
    return {
      configuration,
      rule: { id: rule.id, type: 'failover', name: rule.id },
      reason: 'failover_dial',
      action: { type: 'forward', destination: rule.destinations[next.destination] ?? '' },
      twiml: response(gap + dial({ timeout: cfg.failoverTimeout, action: url, record: cfg.config.recordCalls }, nouns)),
    };
  }
  if (cfg.config.voicemailEnabled) {
    return {
      configuration,
      rule: null,
      reason: 'failover_voicemail',
      action: { type: 'voicemail' },
      twiml: renderVoicemail({ ...state, failover: null, tries: 0 }, undefined, false),
    };
  }
  return { configuration, rule: null, reason: 'failover_hangup', action: null, twiml: HANGUP_TWIML };
}

function ruleRef(cfg: CompiledConfiguration, state: ContinuationState): Decision['rule'] {
  if (state.ruleId === null) return null;
  const ref = cfg.rulesById.get(state.ruleId)?.ref;
  if (ref === undefined) return null;
  return state.menuPath === null ? ref : { ...ref, menuPath: state.menuPath };
}

/**
 * Answers the `<Dial action>` callback: completed/answered hangs up; busy, no-answer, failed
 * and canceled take the next failover step. `at` is accepted for symmetry with evaluate (the
 * call keeps the configuration it started with, whatever the time now).
 */
export function continueAfterDial(compiled: CompiledNumber, state: ContinuationState, dialCallStatus: string | undefined, at: number): Decision {
  void at;
  const cfg = compiled.byId.get(state.configurationId);
  if (cfg === undefined) return staleDecision();
  if (dialCallStatus === undefined || !FAILOVER_DIAL_STATUSES.has(dialCallStatus)) {
    return { configuration: cfg.refs.continuation, rule: ruleRef(cfg, state), reason: 'dial_completed', action: null, twiml: HANGUP_TWIML };
  }
  return failoverDecision(cfg, state);
}

/** Answers the `<Enqueue action>` callback: no agent (queue-full, leave, error) goes to failover; otherwise hang up. */
export function continueAfterQueue(compiled: CompiledNumber, state: ContinuationState, queueResult: string | undefined, at: number): Decision {
  void at;
  const cfg = compiled.byId.get(state.configurationId);
  if (cfg === undefined) return staleDecision();
  if (queueResult === undefined || !FAILOVER_QUEUE_RESULTS.has(queueResult)) {
    return { configuration: cfg.refs.continuation, rule: ruleRef(cfg, state), reason: 'queue_done', action: null, twiml: HANGUP_TWIML };
  }
  return failoverDecision(cfg, state);
}
