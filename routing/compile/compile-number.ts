/**
 * compileNumber: validates and compiles every active configuration of a number, in the order
 * ROUTING.md §1 consults them.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { supportedCountry } from '../caller/normalize.js';
import { isKnownZone } from '../schema/formats.js';
import { NO_CONFIGURATION_SMS_TWIML, NO_CONFIGURATION_VOICE_TWIML } from '../twiml/defaults.js';
import { parseConfiguration } from '../validate.js';
import { compileConfiguration } from './compile-config.js';
import { deepFreeze } from './compile-action.js';
import type { CompiledConfiguration, CompiledNumber } from '../compiled.js';
import type { Decision, NumberContext, StoredConfiguration } from '../types.js';

/** One invalid stored configuration's errors. */
export interface ConfigurationErrors {
  configurationId: string | null;
  /** Index in the array passed to compileNumber. */
  index: number;
  errors: { path: string; message: string }[];
}

/** Thrown by compileNumber when an active configuration is invalid; the cache keeps its last good compile. */
export class RoutingConfigurationError extends Error {
  readonly configurations: ConfigurationErrors[];
  constructor(configurations: ConfigurationErrors[]) {
    const first = configurations[0];
    const firstError = first?.errors[0];
    super(
      `invalid routing configuration ${first?.configurationId ?? `#${first?.index ?? 0}`}` +
        (firstError === undefined ? '' : `: ${firstError.path} ${firstError.message}`),
    );
    this.name = 'RoutingConfigurationError';
    this.configurations = configurations;
  }
}

function isActive(c: StoredConfiguration): boolean {
  return c !== null && typeof c === 'object' && c.isActive === true;
}

/**
 * Compiles all configurations of a number. Inactive ones are skipped without validation (they
 * never route); an invalid active one throws RoutingConfigurationError.
 */
export function compileNumber(ctx: NumberContext, configurations: readonly StoredConfiguration[]): CompiledNumber {
  const warnings: string[] = [];
  let ownerTimezone = 'UTC';
  if (typeof ctx.ownerTimezone === 'string' && ctx.ownerTimezone !== '') {
    if (isKnownZone(ctx.ownerTimezone)) ownerTimezone = ctx.ownerTimezone;
    else warnings.push(`owner timezone "${ctx.ownerTimezone}" is unknown; UTC is used`);
  }
  let country = supportedCountry(ctx.countryCode ?? undefined);
  if (country === undefined) {
    country = parsePhoneNumberFromString(ctx.phoneNumber)?.country;
    if (typeof ctx.countryCode === 'string' && ctx.countryCode !== '') warnings.push(`country "${ctx.countryCode}" is unknown; ${country ?? 'none'} is used`);
  }

  const failures: ConfigurationErrors[] = [];
  const compiled: { c: CompiledConfiguration; createdAt: number; index: number }[] = [];
  configurations.forEach((stored, index) => {
    if (!isActive(stored)) return;
    const parsed = parseConfiguration(stored);
    if (!parsed.ok) {
      failures.push({ configurationId: typeof stored.id === 'string' ? stored.id : null, index, errors: parsed.errors });
      return;
    }
    const id = parsed.value.id ?? `inline-${index}`;
    compiled.push({ c: compileConfiguration(parsed.value, id, ownerTimezone), createdAt: parsed.value.createdAt ?? 0, index });
  });
  if (failures.length > 0) throw new RoutingConfigurationError(failures);

  // Oldest first (§1); equal or missing createdAt keeps the given order.
  compiled.sort((a, b) => a.createdAt - b.createdAt || a.index - b.index);
  const scheduled = compiled.filter((x) => x.c.scheduled).map((x) => x.c);
  const unscheduledAll = compiled.filter((x) => !x.c.scheduled).map((x) => x.c);
  if (unscheduledAll.length > 1) {
    warnings.push(`${unscheduledAll.length} active unscheduled configurations; the oldest (${unscheduledAll[0]!.id}) is used`);
  }
  const byId = new Map<string, CompiledConfiguration>();
  for (const { c } of compiled) if (!byId.has(c.id)) byId.set(c.id, c);

  return {
    numberId: ctx.numberId ?? null,
    phoneNumber: ctx.phoneNumber,
    country,
    ownerTimezone,
    scheduled,
    unscheduled: unscheduledAll[0] ?? null,
    ignoredUnscheduled: unscheduledAll.slice(1),
    byId,
    warnings,
    noConfigurationVoice: deepFreeze<Decision>({ configuration: null, rule: null, reason: 'no_configuration', action: null, twiml: NO_CONFIGURATION_VOICE_TWIML }),
    noConfigurationSms: deepFreeze<Decision>({ configuration: null, rule: null, reason: 'no_configuration', action: null, twiml: NO_CONFIGURATION_SMS_TWIML }),
  };
}
