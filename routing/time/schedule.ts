/**
 * Schedules (ROUTING.md §3) compiled into a bitmap of the 10 080 minutes of a local week, a set
 * of holiday dates and a list of override instant ranges. Matching is then one clock read and
 * one bit test.
 */
import { instantMs } from '../schema/rules.js';
import { civilFromDays, parseClock, parseIsoDate } from '../schema/formats.js';
import { WEEKDAY_NAMES, zoneClock, type ZoneClock } from './zone-clock.js';
import type { Schedule, TimeWindow } from '../types.js';

export const MINUTES_PER_WEEK = 7 * 1440;
const WORDS = MINUTES_PER_WEEK / 32;

export interface CompiledOverride {
  from: number;
  to: number;
  match: boolean;
}

export interface CompiledSchedule {
  zone: string;
  clock: ZoneClock;
  /** Bit m set when minute-of-week m (Sunday 00:00 = 0) is inside a regular window. */
  week: Uint32Array;
  /** Local dates (days since epoch) closed by a holiday, with the holiday's name. */
  holidays: Map<number, string> | null;
  overrides: CompiledOverride[] | null;
  source: Schedule;
}

function setRange(bits: Uint32Array, from: number, to: number): void {
  for (let m = from; m < to; ) {
    const word = m >>> 5;
    const bit = m & 31;
    if (bit === 0 && m + 32 <= to) {
      bits[word] = 0xffffffff;
      m += 32;
    } else {
      bits[word] = (bits[word] ?? 0) | (1 << bit);
      m += 1;
    }
  }
}

/** Builds the minute-of-week bitmap of a list of windows (overnight windows spill into the next day, Saturday into Sunday). */
export function weekBitmap(windows: readonly TimeWindow[]): Uint32Array {
  const bits = new Uint32Array(WORDS);
  for (const window of windows) {
    const from = parseClock(window.timeFrom, false);
    const to = parseClock(window.timeTo, true);
    if (from === null || to === null || from === to) continue;
    const days = new Set(window.dayOfWeek.map((d) => d % 7));
    for (const day of days) {
      const start = day * 1440 + from;
      const end = day * 1440 + (to > from ? to : 1440 + to);
      if (end <= MINUTES_PER_WEEK) setRange(bits, start, end);
      else {
        setRange(bits, start, MINUTES_PER_WEEK);
        setRange(bits, 0, end - MINUTES_PER_WEEK);
      }
    }
  }
  return bits;
}

/** True when minute-of-week `m` is set. */
export function hasMinute(bits: Uint32Array, m: number): boolean {
  return (((bits[m >>> 5] ?? 0) >>> (m & 31)) & 1) === 1;
}

/** True when every minute of the week is set. */
export function isFullWeek(bits: Uint32Array): boolean {
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0xffffffff) return false;
  return true;
}

/** True when no minute is set. */
export function isEmptyWeek(bits: Uint32Array): boolean {
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) return false;
  return true;
}

/** True when two bitmaps share a minute. */
export function weeksOverlap(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (((a[i] ?? 0) & (b[i] ?? 0)) !== 0) return true;
  return false;
}

/** Compiles a validated schedule evaluated in `zone` (already resolved through the fallbacks of §1). */
export function compileSchedule(schedule: Schedule, zone: string): CompiledSchedule {
  let holidays: Map<number, string> | null = null;
  if (schedule.holidays !== undefined && schedule.holidays.length > 0) {
    holidays = new Map();
    for (const h of schedule.holidays) {
      const day = parseIsoDate(h.date);
      if (day !== null) holidays.set(day, h.name ?? h.date);
    }
  }
  let overrides: CompiledOverride[] | null = null;
  if (schedule.overrides !== undefined && schedule.overrides.length > 0) {
    overrides = schedule.overrides.map((o) => ({ from: instantMs(o.from), to: instantMs(o.to), match: o.match }));
  }
  return { zone, clock: zoneClock(zone), week: weekBitmap(schedule.rules), holidays, overrides, source: schedule };
}

/** Hot path: is the schedule open at `at`? Overrides first (first listed wins), then holidays, then windows. */
export function scheduleOpen(s: CompiledSchedule, at: number): boolean {
  const overrides = s.overrides;
  if (overrides !== null) {
    for (let i = 0; i < overrides.length; i++) {
      const o = overrides[i]!;
      if (at >= o.from && at < o.to) return o.match;
    }
  }
  const clock = s.clock;
  clock.update(at);
  if (clock.minuteOfWeek < 0) return false;
  if (s.holidays !== null && s.holidays.has(clock.day)) return false;
  return hasMinute(s.week, clock.minuteOfWeek);
}

export interface ScheduleExplanation {
  open: boolean;
  code: 'override_open' | 'override_closed' | 'holiday' | 'inside_window' | 'outside_windows' | 'invalid_instant';
  detail: string;
}

function hhmm(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** `Fri 23:30 (America/New_York)`: the local reading used in explanations. */
export function describeLocal(clock: ZoneClock): string {
  const weekday = WEEKDAY_NAMES[Math.floor(clock.minuteOfWeek / 1440)] ?? '?';
  return `${weekday} ${civilFromDays(clock.day)} ${hhmm(clock.minuteOfWeek % 1440)} (${clock.zone})`;
}

function describeWindow(w: TimeWindow): string {
  const days = w.dayOfWeek.map((d) => WEEKDAY_NAMES[d % 7] ?? String(d)).join(',');
  return `${days} ${w.timeFrom}–${w.timeTo}`;
}

// Which source window covers minute-of-week m (for the explanation only).
function coveringWindow(windows: readonly TimeWindow[], m: number): TimeWindow | undefined {
  return windows.find((w) => hasMinute(weekBitmap([w]), m));
}

/** Slow path for traces: the same answer as scheduleOpen, with the reason. */
export function explainSchedule(s: CompiledSchedule, at: number): ScheduleExplanation {
  if (s.overrides !== null) {
    const o = s.overrides.find((x) => at >= x.from && at < x.to);
    if (o !== undefined) {
      const range = `${new Date(o.from).toISOString()}–${new Date(o.to).toISOString()}`;
      return o.match
        ? { open: true, code: 'override_open', detail: `override ${range} forces open` }
        : { open: false, code: 'override_closed', detail: `override ${range} forces closed` };
    }
  }
  const clock = s.clock;
  clock.update(at);
  if (clock.minuteOfWeek < 0) return { open: false, code: 'invalid_instant', detail: 'the instant is not a finite number' };
  const local = describeLocal(clock);
  const holiday = s.holidays?.get(clock.day);
  if (holiday !== undefined) return { open: false, code: 'holiday', detail: `${local} is the holiday "${holiday}"` };
  if (hasMinute(s.week, clock.minuteOfWeek)) {
    const w = coveringWindow(s.source.rules, clock.minuteOfWeek);
    return { open: true, code: 'inside_window', detail: `${local} is inside ${w === undefined ? 'a window' : describeWindow(w)}` };
  }
  return { open: false, code: 'outside_windows', detail: `${local} is outside every window` };
}
