/**
 * IVR menus (ROUTING.md §6): the key pressed in a `<Gather>` is routed as that key's action.
 * A wrong key or silence repeats the menu; after IVR_MAX_TRIES presentations the
 * configuration's default action runs.
 */
import { IVR_MAX_TRIES } from './compile/compile-action.js';
import { staleDecision } from './continue-dial.js';
import type { CompiledAction, CompiledConfiguration, CompiledMenu, CompiledNumber } from './compiled.js';
import type { ContinuationState, Decision } from './types.js';

function defaultDecision(cfg: CompiledConfiguration, reason: 'ivr_fallback' | 'continuation_stale'): Decision {
  return { configuration: cfg.refs.continuation, rule: null, reason, action: cfg.defaultAction.action, twiml: cfg.defaultAction.voice };
}

/** The IVR action whose menu a continuation points at, or null when the configuration changed under the call. */
export function findMenuAction(cfg: CompiledConfiguration, state: ContinuationState): (CompiledAction & { menu: CompiledMenu }) | null {
  if (state.ruleId === null || state.menuPath === null) return null;
  let action: CompiledAction | undefined = cfg.rulesById.get(state.ruleId)?.action;
  for (const key of state.menuPath) action = action?.menu?.entries.get(key)?.action;
  if (action === undefined || action.menu === null) return null;
  return action as CompiledAction & { menu: CompiledMenu };
}

/**
 * Answers the `<Gather action>` (and the no-input `<Redirect>`): routes `digits` through the
 * menu in the continuation. `at` is accepted for symmetry with evaluate.
 */
export function routeIvrDigit(compiled: CompiledNumber, state: ContinuationState, digits: string | undefined, at: number): Decision {
  void at;
  const cfg = compiled.byId.get(state.configurationId);
  if (cfg === undefined) return staleDecision();
  const ivr = findMenuAction(cfg, state);
  if (ivr === null) return defaultDecision(cfg, 'continuation_stale');
  const menu = ivr.menu;
  const key = digits === undefined ? '' : digits.trim();
  const entry = key.length === 1 ? menu.entries.get(key) : undefined;
  if (entry !== undefined) return entry.decision;
  const tries = state.tries + 1;
  if (tries >= IVR_MAX_TRIES) return defaultDecision(cfg, 'ivr_fallback');
  const ref = cfg.rulesById.get(state.ruleId ?? '')?.ref ?? null;
  return {
    configuration: cfg.refs.continuation,
    rule: ref === null ? null : { ...ref, menuPath: menu.path },
    reason: 'ivr_retry',
    action: ivr.action,
    twiml: menu.prompts[tries]!,
  };
}
