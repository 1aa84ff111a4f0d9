/**
 * Validation entry points: zod issues turned into `{ path, message }` with paths written
 * `routingRules.timeBasedRules[2].schedule.rules[0].timeTo`.
 */
import { ConfigurationSchema } from './schema/configuration.js';
import { lintConfiguration } from './lint.js';
import type { Configuration, ValidationError, ValidationResult } from './types.js';

/** Formats an issue path: property names joined by dots, array indexes as `[n]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += (out === '' ? '' : '.') + String(key);
  }
  return out;
}

/** Parses a configuration without linting; used by the compiler. */
export function parseConfiguration(input: unknown): { ok: true; value: Configuration } | { ok: false; errors: ValidationError[] } {
  const result = ConfigurationSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}

/** Validates a configuration (stored row or API body) and lints it: errors block saving, warnings do not. */
export function validateConfiguration(input: unknown): ValidationResult {
  const parsed = parseConfiguration(input);
  if (!parsed.ok) return parsed;
  return { ok: true, value: parsed.value, warnings: lintConfiguration(parsed.value) };
}
