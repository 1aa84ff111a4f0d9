/**
 * Renders actions into TwiML once, at compile time (ROUTING.md §6, §8). Only the SMS relay,
 * which quotes the sender and body, is finished per message (see sms.ts).
 */
import { CONTINUATION_PATHS, continuationUrl } from '../continuation.js';
import { isE164, parseDialTargets } from '../schema/formats.js';
import { IVR_DEFAULT_PROMPT, IVR_RETRY_NOTICE, VOICEMAIL_GREETING } from '../twiml/defaults.js';
import { conference, dial, dialNoun, enqueue, gather, hangup, message, record, redirect, reject, say } from '../twiml/verbs.js';
import { escapeAttr, response } from '../twiml/xml.js';
import type { CompiledAction, CompiledMenu, SmsPlan } from '../compiled.js';
import type { Configuration, ContinuationState, Decision, DecisionConfiguration, DecisionRule, RoutingAction } from '../types.js';

/** Twilio's own default ring time, made explicit. */
export const DEFAULT_DIAL_TIMEOUT = 30;
/** Menu presentations before the IVR gives up and takes the default action. */
export const IVR_MAX_TRIES = 3;

/** What rendering needs from the configuration. */
export interface RenderContext {
  config: Configuration;
  /** Twilio queue used when callQueue is on (the configuration id). */
  queueName: string;
}

/** Deep-freezes a plain JSON value so shared decisions cannot be altered by a caller. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Rendered dial nouns for a destination (comma list = several nouns ringing together). */
export function renderNouns(destination: string, ctx: RenderContext): string {
  const targets = parseDialTargets(destination);
  if ('error' in targets) return '';
  const whisper = ctx.config.callScreening ? CONTINUATION_PATHS.screen : undefined;
  return targets.map((t) => dialNoun(t, whisper)).join('');
}

/** Whether a forward records: the action's `record` when set, else the configuration's recordCalls. */
export function recordsCall(action: RoutingAction, config: Configuration): boolean {
  return action.options?.record ?? config.recordCalls;
}

/** Voicemail: greeting, `<Record>` whose action ends the call, `<Hangup/>` for silence. */
export function renderVoicemail(state: ContinuationState, greeting: string | undefined, transcribe: boolean): string {
  return response(
    say(greeting ?? VOICEMAIL_GREETING) +
      record(continuationUrl(CONTINUATION_PATHS.voicemailDone, { ...state, failover: null, tries: 0 }), transcribe) +
      hangup(),
  );
}

function renderVoice(action: RoutingAction, ctx: RenderContext, state: ContinuationState): string {
  const { config } = ctx;
  const options = action.options;
  switch (action.type) {
    case 'forward': {
      if (config.callQueue) {
        const url = continuationUrl(CONTINUATION_PATHS.queueResult, state);
        return response(enqueue(ctx.queueName, config.queueMusic ?? undefined, url));
      }
      const timeout = options?.timeout ?? config.callForwarding?.timeout ?? DEFAULT_DIAL_TIMEOUT;
      const url = continuationUrl(CONTINUATION_PATHS.dialResult, state);
      return response(dial({ timeout, action: url, record: recordsCall(action, config) }, renderNouns(action.destination ?? '', ctx)));
    }
    case 'voicemail':
      return renderVoicemail(state, options?.prompt, options?.transcribe ?? false);
    case 'reject':
      return response(reject('rejected'));
    case 'conference':
      return response(conference(action.destination ?? '', options?.music ?? config.queueMusic ?? undefined));
    case 'ivr':
      // A menu's document is its first prompt; a URL hands the call over.
      return response(redirect(action.destination ?? ''));
  }
}

function renderSms(action: RoutingAction): SmsPlan {
  const reply = action.options?.reply;
  const relayHeads: string[] = [];
  if (action.type === 'forward' && action.destination !== undefined) {
    const targets = parseDialTargets(action.destination);
    // Only phone numbers can receive an SMS; sip:/client: targets are skipped.
    if (!('error' in targets)) for (const t of targets) if (isE164(t)) relayHeads.push('<Message to="' + escapeAttr(t) + '">');
  }
  return { relayHeads, reply: reply === undefined ? '' : message(reply) };
}

/** The Gather document of a menu after `tries` failed presentations. */
function renderMenuPrompt(prompt: string | undefined, state: ContinuationState, tries: number): string {
  const url = continuationUrl(CONTINUATION_PATHS.ivr, { ...state, tries });
  const notice = tries > 0 ? say(IVR_RETRY_NOTICE) : '';
  // The Redirect runs only when the Gather times out: it reports "no key" to the same URL.
  return response(notice + gather(url, say(prompt ?? IVR_DEFAULT_PROMPT)) + redirect(url));
}

/** Inputs for building decisions of menu entries. */
export interface MenuDecisionContext {
  configuration: DecisionConfiguration;
  rule: DecisionRule | null;
}

function compileMenu(
  menu: Record<string, RoutingAction>,
  prompt: string | undefined,
  ctx: RenderContext,
  state: ContinuationState,
  decisions: MenuDecisionContext,
): CompiledMenu {
  const path = state.menuPath ?? '';
  const prompts: string[] = [];
  for (let t = 0; t < IVR_MAX_TRIES; t++) prompts.push(renderMenuPrompt(prompt, { ...state, menuPath: path }, t));
  const entries = new Map<string, { action: CompiledAction; decision: Decision }>();
  for (const [key, sub] of Object.entries(menu)) {
    const subPath = path + key;
    const compiled = compileAction(sub, ctx, { ...state, menuPath: subPath, tries: 0 }, decisions);
    const decision: Decision = deepFreeze({
      configuration: decisions.configuration,
      rule: decisions.rule === null ? null : { ...decisions.rule, menuPath: subPath },
      reason: 'ivr_choice',
      action: compiled.action,
      twiml: compiled.voice,
    });
    entries.set(key, { action: compiled, decision });
  }
  return { path, prompts, entries };
}

/** Compiles one action with the continuation state its URLs carry (configuration, rule, menu path). */
export function compileAction(
  action: RoutingAction,
  ctx: RenderContext,
  state: ContinuationState,
  decisions: MenuDecisionContext,
): CompiledAction {
  const frozen = deepFreeze(action);
  const menuSource = action.type === 'ivr' && action.destination === undefined ? action.options?.menu : undefined;
  const menu = menuSource === undefined ? null : compileMenu(menuSource, action.options?.prompt, ctx, state, decisions);
  const voice = menu === null ? renderVoice(action, ctx, state) : menu.prompts[0]!;
  return { action: frozen, voice, sms: renderSms(action), menu };
}
