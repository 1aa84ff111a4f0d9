/**
 * The compiled form of a number's configurations: everything evaluate() needs, precomputed.
 * Treat it as read-only; decisions handed out for fixed answers are shared frozen objects.
 */
import type { CallerTrie } from './caller/trie.js';
import type { ParsedPattern } from './caller/pattern.js';
import type { CompiledGeo } from './geo/place.js';
import type { CompiledSchedule } from './time/schedule.js';
import type { CountryCode } from 'libphonenumber-js/min';
import type { Configuration, Decision, DecisionConfiguration, DecisionRule, RoutingAction } from './types.js';

/** SMS answer of an action: fixed, or relayed to the targets with the sender and body filled in per message. */
export interface SmsPlan {
  /** `<Message to="+1…">` openings, one per E.164 target (forward only). */
  relayHeads: string[];
  /** Rendered `<Message>reply</Message>`, or ''. */
  reply: string;
}

export interface CompiledAction {
  /** The effective action (frozen). */
  action: RoutingAction;
  /** Complete voice TwiML. */
  voice: string;
  sms: SmsPlan;
  menu: CompiledMenu | null;
}

export interface CompiledMenuEntry {
  action: CompiledAction;
  /** Voice decision when this key is pressed. */
  decision: Decision;
}

export interface CompiledMenu {
  /** Keys pressed to reach this menu ('' at the top). */
  path: string;
  /** The Gather document for each retry count (index = tries already used). */
  prompts: string[];
  entries: Map<string, CompiledMenuEntry>;
}

export type RuleKind = 'callerId' | 'geographic' | 'time';

export interface CompiledRule {
  kind: RuleKind;
  /** Position in the evaluation sequence (ROUTING.md §2). */
  position: number;
  id: string;
  name: string;
  priority: number;
  /** Index in its own array in the JSON (for lint paths and traces). */
  index: number;
  ref: DecisionRule;
  action: CompiledAction;
  voiceDecision: Decision;
  /** Fixed SMS decision, or null when it depends on the message (forward relays). */
  smsDecision: Decision | null;
  geo: CompiledGeo | null;
  schedule: CompiledSchedule | null;
  patterns: ParsedPattern[] | null;
}

export interface CompiledFailoverRule {
  id: string;
  attempts: number;
  delay: number;
  /** Rendered `<Number>`/`<Sip>`/`<Client>` nouns for each destination. */
  nouns: string[];
  destinations: string[];
}

export interface CompiledConfiguration {
  id: string;
  name: string;
  config: Configuration;
  scheduled: boolean;
  /** The configuration's own schedule (§1), when scheduleEnabled. */
  schedule: CompiledSchedule | null;
  /** The configuration's zone: timezone, else owner's, else UTC. */
  zone: string;
  /** All rules in evaluation order. */
  sequence: CompiledRule[];
  /** Geographic and time rules in evaluation order: the only ones scanned; caller-ID goes through the trie. */
  scan: CompiledRule[];
  trie: CallerTrie | null;
  defaultAction: CompiledAction;
  defaultVoiceDecision: Decision;
  defaultSmsDecision: Decision | null;
  failover: CompiledFailoverRule[];
  rulesById: Map<string, CompiledRule>;
  /** Configuration reference as used in decisions for each selection reason. */
  refs: { selected: DecisionConfiguration; continuation: DecisionConfiguration };
  /** Twilio queue used when callQueue is on: named after the configuration id; its max size is set through the REST API. */
  queue: { name: string; maxSize: number | null } | null;
  /** Ring timeout for failover dials: callForwarding.timeout, else 30. */
  failoverTimeout: number;
}

export interface CompiledNumber {
  numberId: string | null;
  phoneNumber: string;
  country: CountryCode | undefined;
  ownerTimezone: string;
  /** Active scheduled configurations, oldest first. */
  scheduled: CompiledConfiguration[];
  /** The active unscheduled configuration (the oldest if the API let two through). */
  unscheduled: CompiledConfiguration | null;
  /** Active unscheduled configurations ignored because an older one exists. */
  ignoredUnscheduled: CompiledConfiguration[];
  byId: Map<string, CompiledConfiguration>;
  /** Non-blocking notes from compiling (e.g. an unknown owner zone replaced by UTC). */
  warnings: string[];
  noConfigurationVoice: Decision;
  noConfigurationSms: Decision;
}
