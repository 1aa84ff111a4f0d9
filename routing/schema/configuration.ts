/**
 * Schema of a whole configuration (a NumberConfiguration row, or an inline one for simulation),
 * with the cross-field checks of ROUTING.md §2: the default action's destination comes from
 * `callForwarding`.
 */
import { z } from 'zod';
import { HttpUrlSchema, stripNulls, TimeoutSchema } from './action.js';
import { isRoomName, parseDialTargets } from './formats.js';
import { RoutingRulesSchema, ScheduleSchema, ZoneSchema } from './rules.js';
import type { CallForwarding, Configuration } from '../types.js';

const CallForwardingSchema: z.ZodType<CallForwarding> = z.object({
  destination: z.string(),
  timeout: TimeoutSchema.optional(),
});

function flag(fallback: boolean) {
  return z.boolean().default(fallback);
}

function orNull<T extends z.ZodType>(schema: T) {
  return schema.nullable().default(null);
}

const CreatedAtSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.number()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return null;
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : v.getTime();
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'an invalid date' });
      return z.NEVER;
    }
    return ms;
  });

const ConfigurationObjectSchema = z
  .object({
    id: orNull(z.string().min(1).max(128)),
    name: z.string().default(''),
    isActive: flag(false),
    scheduleEnabled: flag(false),
    schedule: orNull(ScheduleSchema),
    timezone: orNull(ZoneSchema),
    routingRules: RoutingRulesSchema,
    fallbackRules: z.unknown().default(null),
    recordCalls: flag(false),
    callScreening: flag(false),
    callQueue: flag(false),
    maxQueueSize: orNull(z.number().int('a whole number').min(1, 'at least 1').max(5000, 'Twilio queues hold at most 5000')),
    queueMusic: orNull(HttpUrlSchema),
    conferenceEnabled: flag(false),
    voicemailEnabled: flag(true),
    callForwarding: orNull(CallForwardingSchema),
    createdAt: CreatedAtSchema,
  })
  .superRefine((config, ctx) => {
    if (config.scheduleEnabled && config.schedule === null) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'a schedule is required when scheduleEnabled is true' });
    }
    const defaultAction = config.routingRules.defaultAction;
    const destination = config.callForwarding?.destination;
    const path = ['callForwarding', 'destination'];
    if (defaultAction === 'conference') {
      if (destination === undefined || !isRoomName(destination)) {
        ctx.addIssue({ code: 'custom', path, message: 'defaultAction conference needs a room name in callForwarding.destination' });
      }
      return;
    }
    if (destination === undefined || destination.trim() === '') {
      if (defaultAction === 'forward') {
        ctx.addIssue({ code: 'custom', path, message: 'defaultAction forward needs callForwarding.destination' });
      }
      return;
    }
    const targets = parseDialTargets(destination);
    if ('error' in targets) ctx.addIssue({ code: 'custom', path, message: targets.error });
  });

/**
 * The configuration schema: nulls are dropped first (stored JSON uses them for "absent"), except
 * inside fallbackRules, which is passed through untouched.
 */
export const ConfigurationSchema: z.ZodType<Configuration> = z.preprocess((input) => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const { fallbackRules, ...rest } = input as Record<string, unknown>;
  const stripped = stripNulls(rest) as Record<string, unknown>;
  return fallbackRules === undefined ? stripped : { ...stripped, fallbackRules };
}, ConfigurationObjectSchema);
