/**
 * The one per-message rendering: an SMS forward relays the sender and body (ROUTING.md §8).
 */
import { escapeText, XML_DECLARATION } from './twiml/xml.js';
import type { CompiledConfiguration, CompiledRule, SmsPlan } from './compiled.js';
import type { CallInput, Decision } from './types.js';

/** Twilio refuses a message body over 1600 characters. */
export const MAX_SMS_LENGTH = 1600;

/** The relayed text: `From <sender>: <body>`, cut to 1600 characters. */
export function relayText(from: string | undefined, caller: string | null, body: string | undefined): string {
  const sender = caller ?? (from === undefined || from.trim() === '' ? 'unknown' : from.trim());
  const text = 'From ' + sender + ': ' + (body ?? '');
  // Cutting may split a surrogate pair; escapeText drops the orphan half.
  return text.length > MAX_SMS_LENGTH ? text.slice(0, MAX_SMS_LENGTH) : text;
}

/** Budget for the relayed copies, keeping the document far below Twilio's 64 kB limit. */
const RELAY_BUDGET = 48_000;

/** Renders the relay document from the precomputed `<Message to=..>` openings and the reply. */
export function renderRelay(plan: SmsPlan, text: string): string {
  let escaped = escapeText(text);
  const copies = plan.relayHeads.length;
  // A 1600-character body of "&" escapes to 8000 characters; ten copies would pass 64 kB.
  while (copies > 0 && escaped.length * copies > RELAY_BUDGET) {
    text = text.slice(0, Math.floor((text.length * RELAY_BUDGET) / (escaped.length * copies)) - 1);
    escaped = escapeText(text);
  }
  let out = XML_DECLARATION + '<Response>';
  for (let i = 0; i < copies; i++) out += plan.relayHeads[i] + escaped + '</Message>';
  return out + plan.reply + '</Response>';
}

/** SMS decision for a forward: relay sender and body to each E.164 target (plus the reply, if any). */
export function smsRelayDecision(cfg: CompiledConfiguration, rule: CompiledRule | null, call: CallInput, caller: string | null): Decision {
  const action = rule === null ? cfg.defaultAction : rule.action;
  return {
    configuration: cfg.refs.selected,
    rule: rule === null ? null : rule.ref,
    reason: rule === null ? 'default_action' : 'rule_matched',
    action: action.action,
    twiml: renderRelay(action.sms, relayText(call.from, caller, call.body)),
  };
}
