/**
 * Schemas of schedules (ROUTING.md §3) and of the four rule kinds plus RoutingRules.
 */
import { z } from 'zod';
import { DateTime } from 'luxon';
import { checkMenuDepth, DefaultActionTypeSchema, RoutingActionSchema } from './action.js';
import { isKnownZone, parseClock, parseDialTargets, parseIsoDate } from './formats.js';
import { parsePattern } from '../caller/pattern.js';
import type {
  CallerIdRule,
  FailoverRule,
  GeographicRule,
  Holiday,
  RoutingRules,
  Schedule,
  ScheduleOverride,
  TimeBasedRule,
  TimeWindow,
} from '../types.js';

export const ZoneSchema = z.string().refine(isKnownZone, 'unknown IANA time zone');

const DaySchema = z.number().int('a whole day number').min(0, 'days are 0–7 (0 and 7 are Sunday)').max(7, 'days are 0–7 (0 and 7 are Sunday)');

export const TimeWindowSchema: z.ZodType<TimeWindow> = z
  .object({
    dayOfWeek: z.array(DaySchema),
    timeFrom: z.string().refine((t) => parseClock(t, false) !== null, 'HH:mm between 00:00 and 23:59'),
    timeTo: z.string().refine((t) => parseClock(t, true) !== null, 'HH:mm between 00:00 and 23:59, or 24:00'),
  })
  .superRefine((w, ctx) => {
    if (parseClock(w.timeFrom, false) === parseClock(w.timeTo, true)) {
      ctx.addIssue({ code: 'custom', path: ['timeTo'], message: 'timeTo equals timeFrom: the window would be empty' });
    }
  });

const HolidaySchema: z.ZodType<Holiday> = z.object({
  date: z.string().refine((d) => parseIsoDate(d) !== null, 'a calendar date YYYY-MM-DD'),
  name: z.string().optional(),
});

/** Epoch ms of an ISO instant with offset (validated by the schema before this runs). */
export function instantMs(iso: string): number {
  return DateTime.fromISO(iso, { setZone: true }).toMillis();
}

const InstantSchema = z.iso.datetime({ offset: true, message: 'an ISO instant with offset, e.g. 2024-12-24T18:00:00Z' });

const OverrideSchema: z.ZodType<ScheduleOverride> = z
  .object({ from: InstantSchema, to: InstantSchema, match: z.boolean() })
  .superRefine((o, ctx) => {
    if (instantMs(o.to) <= instantMs(o.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
  });

export const ScheduleSchema: z.ZodType<Schedule> = z.object({
  timezone: ZoneSchema.optional(),
  rules: z.array(TimeWindowSchema),
  holidays: z.array(HolidaySchema).optional(),
  overrides: z.array(OverrideSchema).optional(),
});

const RuleIdSchema = z.string().min(1, 'a rule id is required').max(128, 'at most 128 characters');
const RuleNameSchema = z.string().default('');
const PrioritySchema = z.number();

export const TimeBasedRuleSchema: z.ZodType<TimeBasedRule> = z
  .object({ id: RuleIdSchema, name: RuleNameSchema, schedule: ScheduleSchema, action: RoutingActionSchema, priority: PrioritySchema })
  .superRefine((rule, ctx) => checkMenuDepth(rule.action, ctx, ['action']));

const PlaceListSchema = z.array(z.string());

export const GeographicRuleSchema: z.ZodType<GeographicRule> = z
  .object({
    id: RuleIdSchema,
    name: RuleNameSchema,
    countries: PlaceListSchema,
    states: PlaceListSchema.optional(),
    cities: PlaceListSchema.optional(),
    action: RoutingActionSchema,
    priority: PrioritySchema,
  })
  .superRefine((rule, ctx) => checkMenuDepth(rule.action, ctx, ['action']));

const PatternSchema = z.string().superRefine((text, ctx) => {
  const parsed = parsePattern(text);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

export const CallerIdRuleSchema: z.ZodType<CallerIdRule> = z
  .object({ id: RuleIdSchema, name: RuleNameSchema, patterns: z.array(PatternSchema), action: RoutingActionSchema, priority: PrioritySchema })
  .superRefine((rule, ctx) => checkMenuDepth(rule.action, ctx, ['action']));

const FailoverDestinationSchema = z.string().superRefine((text, ctx) => {
  const targets = parseDialTargets(text);
  if ('error' in targets) ctx.addIssue({ code: 'custom', message: targets.error });
});

export const FailoverRuleSchema: z.ZodType<FailoverRule> = z.object({
  id: RuleIdSchema,
  attempts: z.number().int('a whole number').min(1, 'at least 1 attempt').max(10, 'at most 10 attempts'),
  delay: z.number().int('whole seconds').min(0, 'not negative').max(60, 'at most 60 seconds'),
  destinations: z.array(FailoverDestinationSchema).min(1, 'at least one destination'),
});

// Missing lists read as empty (a fresh array each time, never a shared default).
function list<T>(item: z.ZodType<T>) {
  return z.array(item).default(() => []);
}

export const RoutingRulesSchema: z.ZodType<RoutingRules> = z.object({
  defaultAction: DefaultActionTypeSchema,
  timeBasedRules: list(TimeBasedRuleSchema),
  geographicRules: list(GeographicRuleSchema),
  callerIdRules: list(CallerIdRuleSchema),
  failoverRules: list(FailoverRuleSchema),
});
