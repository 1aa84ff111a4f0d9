/**
 * did-edge routing engine: pure TypeScript (zod, luxon, libphonenumber-js only), no I/O, no
 * clock. Compile a number's configurations once, evaluate each call against the compiled form.
 * See routing/README.md.
 */
export type * from './types.js';
export type { CompiledNumber, CompiledConfiguration } from './compiled.js';

export { compileNumber, RoutingConfigurationError, type ConfigurationErrors } from './compile/compile-number.js';
export { evaluate, selectConfiguration } from './evaluate.js';
export { continueAfterDial, continueAfterQueue, FAILOVER_DIAL_STATUSES, FAILOVER_QUEUE_RESULTS } from './continue-dial.js';
export { routeIvrDigit } from './ivr.js';
export { parseContinuation, encodeContinuation, CONTINUATION_PATHS, CONTINUATION_VERSION } from './continuation.js';
export { validateConfiguration, parseConfiguration, formatPath } from './validate.js';
export { lintConfiguration } from './lint.js';
export { normalizeCaller } from './caller/normalize.js';
export { isE164 } from './schema/formats.js';
export { parsePattern } from './caller/pattern.js';
export {
  EMPTY_TWIML,
  HANGUP_TWIML,
  NO_CONFIGURATION_SMS_TWIML,
  NO_CONFIGURATION_VOICE_TWIML,
  SAFE_DEFAULT_SMS_TWIML,
  SAFE_DEFAULT_VOICE_TWIML,
  SCREEN_TWIML,
  safeDefaultTwiml,
  screenResultTwiml,
} from './twiml/defaults.js';
export {
  ConfigurationSchema,
} from './schema/configuration.js';
export { RoutingActionSchema } from './schema/action.js';
export {
  CallerIdRuleSchema,
  FailoverRuleSchema,
  GeographicRuleSchema,
  RoutingRulesSchema,
  ScheduleSchema,
  TimeBasedRuleSchema,
} from './schema/rules.js';
