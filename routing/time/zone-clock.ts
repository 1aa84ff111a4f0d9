/**
 * Wall-clock reading of an instant in an IANA zone without building a luxon DateTime per call
 * (that costs ~10 µs here). The UTC offset is constant between DST transitions, so each clock
 * remembers its offset and the instant range over which it is valid (found with luxon once);
 * while `at` stays inside, local time is plain arithmetic.
 */
import { IANAZone } from 'luxon';

const MINUTE = 60_000;
const DAY = 86_400_000;
// Half-width of the range probed around an instant. Real zones never change offset twice
// within 6 hours, so equal offsets at both ends of a probe mean no transition in between.
const SPAN = 6 * 3_600_000;

export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Memoized local-time reader for one zone; `update(at)` then read the fields. */
export class ZoneClock {
  readonly zone: string;
  private readonly iana: IANAZone;
  private validFrom = 1;
  private validTo = 0;
  private offsetMs = 0;
  private lastAt = Number.NaN;
  /** Minutes since Sunday 00:00 local (0–10079); -1 when the instant is not a finite number. */
  minuteOfWeek = -1;
  /** Local calendar day as days since 1970-01-01. */
  day = Number.NaN;
  /** Local wall time as if it were UTC (for formatting in traces). */
  localMs = Number.NaN;
  /** UTC offset in minutes. */
  offsetMinutes = 0;

  constructor(zone: string) {
    this.zone = zone;
    this.iana = IANAZone.create(zone);
  }

  /** Reads the wall clock at `at` (epoch ms) into the fields; cheap when `at` repeats or stays in range. */
  update(at: number): void {
    if (at === this.lastAt) return;
    if (!(at >= this.validFrom && at < this.validTo)) {
      if (!Number.isFinite(at)) {
        this.lastAt = Number.NaN;
        this.minuteOfWeek = -1;
        this.day = Number.NaN;
        this.localMs = Number.NaN;
        return;
      }
      this.refresh(at);
    }
    this.lastAt = at;
    const local = at + this.offsetMs;
    const day = Math.floor(local / DAY);
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    this.day = day;
    this.localMs = local;
    this.minuteOfWeek = weekday * 1440 + Math.floor((local - day * DAY) / MINUTE);
  }

  private offsetAt(ts: number): number {
    return this.iana.offset(ts);
  }

  private refresh(at: number): void {
    const offset = this.offsetAt(at);
    const hi = at + SPAN;
    this.validTo = this.offsetAt(hi) === offset ? hi : this.firstChange(at, hi, offset);
    const lo = at - SPAN;
    this.validFrom = this.offsetAt(lo) === offset ? lo : this.lastChange(lo, at, offset) + 1;
    this.offsetMs = offset * MINUTE;
    this.offsetMinutes = offset;
  }

  // First instant in (same, changed] whose offset differs, knowing offsetAt(same) === offset.
  private firstChange(same: number, changed: number, offset: number): number {
    let a = same;
    let b = changed;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (this.offsetAt(mid) === offset) a = mid;
      else b = mid;
    }
    return b;
  }

  // Last instant in [changed, same) whose offset differs, knowing offsetAt(same) === offset.
  private lastChange(changed: number, same: number, offset: number): number {
    let a = changed;
    let b = same;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (this.offsetAt(mid) === offset) b = mid;
      else a = mid;
    }
    return a;
  }
}

const clocks = new Map<string, ZoneClock>();

/** The shared clock of a zone (valid zone names only; they are validated before compiling). */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (clock === undefined) {
    clock = new ZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}
