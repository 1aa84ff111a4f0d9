/**
 * The memoized zone clock must read exactly what luxon reads, including around DST
 * transitions and when instants arrive out of order.
 */
import t from 'tap';
import { DateTime } from 'luxon';
import { ZoneClock } from '../../routing/time/zone-clock.js';
import { civilFromDays } from '../../routing/schema/formats.js';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Sao_Paulo', 'Africa/Casablanca', 'UTC'];

function expected(at: number, zone: string) {
  const dt = DateTime.fromMillis(at, { zone });
  return { minuteOfWeek: (dt.weekday % 7) * 1440 + dt.hour * 60 + dt.minute, date: dt.toFormat('yyyy-MM-dd'), offset: dt.offset };
}

function read(clock: ZoneClock, at: number) {
  clock.update(at);
  return { minuteOfWeek: clock.minuteOfWeek, date: civilFromDays(clock.day), offset: clock.offsetMinutes };
}

t.test('random instants over several years read like luxon in every zone (in and out of order)', async (t) => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const start = Date.parse('2019-01-01T00:00:00Z');
  const span = Date.parse('2027-01-01T00:00:00Z') - start;
  let mismatches = 0;
  for (const zone of ZONES) {
    const clock = new ZoneClock(zone);
    let at = start;
    for (let i = 0; i < 1500; i++) {
      // Mostly small forward steps (the production pattern), sometimes a jump anywhere.
      at = rand() < 0.8 ? at + Math.floor(rand() * 6 * 3_600_000) : start + Math.floor(rand() * span);
      const got = read(clock, at);
      const want = expected(at, zone);
      if (got.minuteOfWeek !== want.minuteOfWeek || got.date !== want.date || got.offset !== want.offset) {
        mismatches++;
        if (mismatches < 5) t.fail(`${zone} ${new Date(at).toISOString()}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      }
    }
  }
  t.equal(mismatches, 0);
});

t.test('every second around DST transitions reads like luxon', async (t) => {
  const transitions: [string, string][] = [
    ['America/New_York', '2024-03-10T07:00:00Z'],
    ['America/New_York', '2024-11-03T06:00:00Z'],
    ['Europe/London', '2024-03-31T01:00:00Z'],
    ['Europe/London', '2024-10-27T01:00:00Z'],
    ['Australia/Sydney', '2024-04-06T16:00:00Z'],
    ['Australia/Sydney', '2024-10-05T16:00:00Z'],
  ];
  let mismatches = 0;
  for (const [zone, iso] of transitions) {
    const clock = new ZoneClock(zone);
    const center = Date.parse(iso);
    for (let at = center - 90_000; at <= center + 90_000; at += 1000) {
      const got = read(clock, at);
      const want = expected(at, zone);
      if (got.minuteOfWeek !== want.minuteOfWeek || got.offset !== want.offset) mismatches++;
    }
    // Walking backwards over the same transition as well.
    for (let at = center + 90_500; at >= center - 90_500; at -= 1000) {
      const got = read(clock, at);
      if (got.minuteOfWeek !== expected(at, zone).minuteOfWeek) mismatches++;
    }
    // The last millisecond before and the first after.
    t.same(read(clock, center - 1), expected(center - 1, zone), `${zone} just before ${iso}`);
    t.same(read(clock, center), expected(center, zone), `${zone} at ${iso}`);
  }
  t.equal(mismatches, 0);
});

t.test('an instant that is not a finite number reads as no minute at all', async (t) => {
  const clock = new ZoneClock('Europe/London');
  clock.update(Number.NaN);
  t.equal(clock.minuteOfWeek, -1);
  clock.update(Date.parse('2024-06-12T12:00:00Z'));
  t.equal(clock.minuteOfWeek, 3 * 1440 + 13 * 60);
});
