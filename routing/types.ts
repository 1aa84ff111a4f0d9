/**
 * Public types of the routing engine: the stored JSON shapes (seed types plus ROUTING.md's
 * optional additions), the call input, and the decision/trace output.
 */

/** Action kinds a rule can take (ROUTING.md §6). */
export type ActionType = 'forward' | 'voicemail' | 'reject' | 'conference' | 'ivr';

/** `defaultAction` keeps the seed's union: an IVR needs a URL or menu, which only a rule action carries. */
export type DefaultActionType = 'forward' | 'voicemail' | 'reject' | 'conference';

export interface ActionOptions {
  /** Dial ring timeout in seconds (Twilio range 5–600). */
  timeout?: number;
  /** Record the bridged call; when absent the configuration's `recordCalls` applies. */
  record?: boolean;
  /** Voicemail transcription. */
  transcribe?: boolean;
  /** Conference wait URL. */
  music?: string;
  /** SMS: text sent back to the sender (ROUTING.md §8). */
  reply?: string;
  /** IVR prompt (and voicemail greeting when set on a voicemail action). */
  prompt?: string;
  /** IVR: one key (0–9 or `*`) to the action taken when the caller presses it. */
  menu?: Record<string, RoutingAction>;
}

export interface RoutingAction {
  type: ActionType;
  destination?: string;
  options?: ActionOptions;
}

export interface TimeWindow {
  dayOfWeek: number[];
  timeFrom: string;
  timeTo: string;
}

export interface Holiday {
  date: string;
  name?: string;
}

export interface ScheduleOverride {
  from: string;
  to: string;
  match: boolean;
}

export interface Schedule {
  /** IANA zone; when absent the configuration's, then the owner's, then UTC. */
  timezone?: string;
  rules: TimeWindow[];
  holidays?: Holiday[];
  overrides?: ScheduleOverride[];
}

export interface TimeBasedRule {
  id: string;
  name: string;
  schedule: Schedule;
  action: RoutingAction;
  priority: number;
}

export interface GeographicRule {
  id: string;
  name: string;
  countries: string[];
  states?: string[];
  cities?: string[];
  action: RoutingAction;
  priority: number;
}

export interface CallerIdRule {
  id: string;
  name: string;
  patterns: string[];
  action: RoutingAction;
  priority: number;
}

export interface FailoverRule {
  id: string;
  attempts: number;
  /** Seconds of `<Pause>` between two dials of this rule. */
  delay: number;
  destinations: string[];
}

export interface RoutingRules {
  defaultAction: DefaultActionType;
  timeBasedRules: TimeBasedRule[];
  geographicRules: GeographicRule[];
  callerIdRules: CallerIdRule[];
  failoverRules: FailoverRule[];
}

export interface CallForwarding {
  destination: string;
  timeout?: number;
}

/** A configuration after validation: defaults filled, `createdAt` as epoch ms (null when unknown). */
export interface Configuration {
  id: string | null;
  name: string;
  isActive: boolean;
  scheduleEnabled: boolean;
  schedule: Schedule | null;
  timezone: string | null;
  routingRules: RoutingRules;
  /** Stored and passed through; ROUTING.md gives it no routing meaning. */
  fallbackRules: unknown;
  recordCalls: boolean;
  callScreening: boolean;
  callQueue: boolean;
  maxQueueSize: number | null;
  queueMusic: string | null;
  conferenceEnabled: boolean;
  voicemailEnabled: boolean;
  callForwarding: CallForwarding | null;
  createdAt: number | null;
}

/**
 * A configuration as stored (a Prisma `NumberConfiguration` row fits) or written inline for
 * simulation. JSON columns are `unknown`: they are validated when compiled.
 */
export interface StoredConfiguration {
  id?: string | null;
  name?: string | null;
  isActive?: boolean | null;
  scheduleEnabled?: boolean | null;
  schedule?: unknown;
  timezone?: string | null;
  routingRules?: unknown;
  fallbackRules?: unknown;
  recordCalls?: boolean | null;
  callScreening?: boolean | null;
  callQueue?: boolean | null;
  maxQueueSize?: number | null;
  queueMusic?: string | null;
  conferenceEnabled?: boolean | null;
  voicemailEnabled?: boolean | null;
  callForwarding?: unknown;
  createdAt?: Date | string | number | null;
}

/** What the engine knows about the number itself. */
export interface NumberContext {
  numberId?: string | null;
  /** E.164 of the number. */
  phoneNumber: string;
  /** ISO-2 country of the number; national-format callers are read in it. Derived from phoneNumber when absent. */
  countryCode?: string | null;
  /** The owner's IANA zone, last fallback before UTC. */
  ownerTimezone?: string | null;
}

export type Channel = 'voice' | 'sms';

/** One inbound call or message, as the webhook layer read it from Twilio's form. */
export interface CallInput {
  from?: string;
  to?: string;
  /** The instant, epoch milliseconds. */
  at: number;
  fromCountry?: string;
  fromState?: string;
  fromCity?: string;
  channel: Channel;
  /** SMS body. */
  body?: string;
}

/** Why a configuration was used. */
export type ConfigurationReason = 'schedule_matched' | 'unscheduled' | 'continuation';

/** Bounded vocabulary of decision reasons (safe as a metrics label). */
export type DecisionReason =
  | 'rule_matched'
  | 'default_action'
  | 'no_configuration'
  | 'dial_completed'
  | 'failover_dial'
  | 'failover_voicemail'
  | 'failover_hangup'
  | 'queue_done'
  | 'ivr_choice'
  | 'ivr_retry'
  | 'ivr_fallback'
  | 'continuation_stale';

export type RuleType = 'callerId' | 'geographic' | 'time' | 'failover';

export interface DecisionConfiguration {
  id: string;
  name: string;
  reason: ConfigurationReason;
}

export interface DecisionRule {
  id: string;
  type: RuleType;
  name: string;
  /** IVR: the keys pressed so far that led to this action. */
  menuPath?: string;
}

export interface Decision {
  configuration: DecisionConfiguration | null;
  /** The rule that decided; null for the default action, no configuration, or a plain hangup. */
  rule: DecisionRule | null;
  reason: DecisionReason;
  /** The effective action (for the default action: built from the configuration); null when none applies. */
  action: RoutingAction | null;
  twiml: string;
  trace?: Trace;
}

export type RuleOutcome = 'matched' | 'not_matched' | 'not_reached';

export interface TraceRule {
  id: string;
  type: 'callerId' | 'geographic' | 'time';
  name: string;
  priority: number;
  outcome: RuleOutcome;
  /** Short code for the outcome, e.g. `pattern_matched`, `outside_windows`, `holiday`. */
  code: string;
  detail: string;
}

export interface TraceCandidate {
  id: string;
  name: string;
  scheduled: boolean;
  outcome: 'selected' | 'schedule_not_matched' | 'not_reached' | 'ignored_duplicate_unscheduled';
  detail: string;
}

export interface TraceClock {
  zone: string;
  /** Local wall time `YYYY-MM-DDTHH:mm:ss`. */
  local: string;
  weekday: string;
  /** UTC offset, `+HH:mm`. */
  offset: string;
}

export interface TraceCaller {
  raw: string | null;
  normalized: string | null;
  anonymous: boolean;
  country: string | null;
  state: string | null;
  city: string | null;
  /** `twilio` when FromCountry was sent, `number` when derived from From, `none` when unknown. */
  placeSource: 'twilio' | 'number' | 'none';
}

/** The explanation of ROUTING.md §9. */
export interface Trace {
  at: string;
  channel: Channel;
  candidates: TraceCandidate[];
  configuration: DecisionConfiguration | null;
  clock: TraceClock | null;
  caller: TraceCaller;
  rules: TraceRule[];
  reason: DecisionReason;
  ruleId: string | null;
  action: RoutingAction | null;
  twiml: string;
}

/** State carried in a continuation URL's query string. */
export interface ContinuationState {
  configurationId: string;
  /** Rule whose action started the call; null for the default action. */
  ruleId: string | null;
  /** Failover position just dialed: rule index, destination index, attempt (1-based). */
  failover: { rule: number; destination: number; attempt: number } | null;
  /** IVR keys pressed so far ('' at the top menu); null outside an IVR. */
  menuPath: string | null;
  /** IVR retries already used. */
  tries: number;
}

export interface ValidationError {
  path: string;
  message: string;
}

export interface LintWarning {
  path: string;
  code: LintCode;
  message: string;
}

export type LintCode =
  | 'duplicate_rule_id'
  | 'unreachable_rule'
  | 'overlapping_windows'
  | 'rule_never_matches'
  | 'conference_disabled'
  | 'voicemail_disabled'
  | 'ivr_without_prompt'
  | 'country_not_iso2';

export type ValidationResult =
  | { ok: true; value: Configuration; warnings: LintWarning[] }
  | { ok: false; errors: ValidationError[] };
