/**
 * The lint pass: legal configurations that almost surely do not do what the operator meant.
 */
import t from 'tap';
import { validateConfiguration, type LintWarning } from '../../routing/index.js';

const ALL_WEEK = [0, 1, 2, 3, 4, 5, 6];

function config(routingRules: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: 'cfg-1',
    isActive: true,
    callForwarding: { destination: '+14155550100' },
    conferenceEnabled: true,
    ...extra,
    routingRules: { defaultAction: 'forward', timeBasedRules: [], geographicRules: [], callerIdRules: [], failoverRules: [], ...routingRules },
  };
}

function timeRule(id: string, priority: number, windows: { dayOfWeek: number[]; timeFrom: string; timeTo: string }[], extra: Record<string, unknown> = {}) {
  return { id, name: id, priority, schedule: { timezone: 'America/New_York', rules: windows, ...extra }, action: { type: 'voicemail' } };
}

function warnings(input: unknown): LintWarning[] {
  const r = validateConfiguration(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.warnings;
}

function codes(input: unknown): string[] {
  return warnings(input).map((w) => `${w.code}@${w.path}`);
}

t.test('a plain configuration has no warnings', async (t) => {
  t.same(warnings(config({ timeBasedRules: [timeRule('office', 1, [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '09:00', timeTo: '17:00' }])] })), []);
});

t.test('a rule id used twice is reported at the second use, across rule kinds', async (t) => {
  const cfg = config({
    callerIdRules: [{ id: 'same', name: 'a', priority: 1, patterns: ['+1*'], action: { type: 'reject' } }],
    geographicRules: [{ id: 'same', name: 'b', priority: 2, countries: ['US'], action: { type: 'reject' } }],
    failoverRules: [{ id: 'same', attempts: 1, delay: 0, destinations: ['+14155550101'] }],
  });
  t.same(codes(cfg), ['duplicate_rule_id@routingRules.geographicRules[0].id', 'duplicate_rule_id@routingRules.failoverRules[0].id']);
});

t.test('rules after a time rule open all week are unreachable', async (t) => {
  const cfg = config({
    timeBasedRules: [timeRule('always', 1, [{ dayOfWeek: ALL_WEEK, timeFrom: '00:00', timeTo: '24:00' }]), timeRule('later', 5, [{ dayOfWeek: [1], timeFrom: '09:00', timeTo: '10:00' }])],
    geographicRules: [{ id: 'geo', name: 'geo', priority: 3, countries: ['US'], action: { type: 'reject' } }],
  });
  t.same(codes(cfg), ['unreachable_rule@routingRules.geographicRules[0]', 'unreachable_rule@routingRules.timeBasedRules[1]']);
  t.match(warnings(cfg)[0]?.message, /"always"/);
});

t.test('an all-week schedule made of overnight windows also counts as always open', async (t) => {
  const cfg = config({
    timeBasedRules: [
      timeRule('nights', 1, [
        { dayOfWeek: ALL_WEEK, timeFrom: '18:00', timeTo: '06:00' },
        { dayOfWeek: ALL_WEEK, timeFrom: '06:00', timeTo: '18:00' },
      ]),
      timeRule('later', 2, [{ dayOfWeek: [1], timeFrom: '09:00', timeTo: '10:00' }]),
    ],
  });
  t.same(codes(cfg), ['unreachable_rule@routingRules.timeBasedRules[1]']);
});

t.test('an all-week schedule with a holiday or a closing override is not always open', async (t) => {
  const holiday = config({
    timeBasedRules: [
      timeRule('always', 1, [{ dayOfWeek: ALL_WEEK, timeFrom: '00:00', timeTo: '24:00' }], { holidays: [{ date: '2024-12-25', name: 'Christmas' }] }),
      timeRule('later', 2, [{ dayOfWeek: [1], timeFrom: '09:00', timeTo: '10:00' }]),
    ],
  });
  t.same(codes(holiday), []);
  const closing = config({
    timeBasedRules: [
      timeRule('always', 1, [{ dayOfWeek: ALL_WEEK, timeFrom: '00:00', timeTo: '24:00' }], {
        overrides: [{ from: '2024-12-24T00:00:00Z', to: '2024-12-26T00:00:00Z', match: false }],
      }),
      timeRule('later', 2, [{ dayOfWeek: [1], timeFrom: '09:00', timeTo: '10:00' }]),
    ],
  });
  t.same(codes(closing), []);
});

t.test('rules after a caller-ID rule matching every caller (+* and anonymous) are unreachable', async (t) => {
  const cfg = config({
    callerIdRules: [
      { id: 'everyone', name: 'everyone', priority: 1, patterns: ['anonymous', '+*'], action: { type: 'reject' } },
      { id: 'vip', name: 'vip', priority: 2, patterns: ['+14155550123'], action: { type: 'voicemail' } },
    ],
  });
  t.same(codes(cfg), ['unreachable_rule@routingRules.callerIdRules[1]']);
});

t.test('+* without anonymous does not shadow later rules (anonymous callers pass)', async (t) => {
  const cfg = config({
    callerIdRules: [
      { id: 'numbers', name: 'numbers', priority: 1, patterns: ['+X*'], action: { type: 'reject' } },
      { id: 'hidden', name: 'hidden', priority: 2, patterns: ['anonymous'], action: { type: 'voicemail' } },
    ],
  });
  t.same(codes(cfg), []);
});

t.test('time rules with equal priority whose windows overlap are reported on the later one', async (t) => {
  const cfg = config({
    timeBasedRules: [
      timeRule('morning', 3, [{ dayOfWeek: [1], timeFrom: '08:00', timeTo: '12:00' }]),
      timeRule('late-morning', 3, [{ dayOfWeek: [1], timeFrom: '11:00', timeTo: '13:00' }]),
      timeRule('afternoon', 3, [{ dayOfWeek: [1], timeFrom: '13:00', timeTo: '17:00' }]),
    ],
  });
  t.same(codes(cfg), ['overlapping_windows@routingRules.timeBasedRules[1].schedule']);
});

t.test('an overnight window overlapping the next morning is an overlap too', async (t) => {
  const cfg = config({
    timeBasedRules: [
      timeRule('night', 1, [{ dayOfWeek: [5], timeFrom: '22:00', timeTo: '06:00' }]),
      timeRule('saturday', 1, [{ dayOfWeek: [6], timeFrom: '05:00', timeTo: '09:00' }]),
    ],
  });
  t.same(codes(cfg), ['overlapping_windows@routingRules.timeBasedRules[1].schedule']);
});

t.test('overlapping windows with different priorities or zones are not reported', async (t) => {
  const cfg = config({
    timeBasedRules: [
      timeRule('a', 1, [{ dayOfWeek: [1], timeFrom: '08:00', timeTo: '12:00' }]),
      timeRule('b', 2, [{ dayOfWeek: [1], timeFrom: '08:00', timeTo: '12:00' }]),
      { ...timeRule('c', 1, [{ dayOfWeek: [1], timeFrom: '08:00', timeTo: '12:00' }]), schedule: { timezone: 'Europe/London', rules: [{ dayOfWeek: [1], timeFrom: '08:00', timeTo: '12:00' }] } },
    ],
  });
  t.same(codes(cfg), []);
});

t.test('rules that can never match by themselves are reported', async (t) => {
  const cfg = config({
    timeBasedRules: [timeRule('no-days', 1, [{ dayOfWeek: [], timeFrom: '09:00', timeTo: '17:00' }])],
    geographicRules: [{ id: 'nowhere', name: 'nowhere', priority: 2, countries: [], action: { type: 'reject' } }],
    callerIdRules: [{ id: 'nobody', name: 'nobody', priority: 3, patterns: [], action: { type: 'reject' } }],
  });
  t.same(codes(cfg).sort(), [
    'rule_never_matches@routingRules.callerIdRules[0].patterns',
    'rule_never_matches@routingRules.geographicRules[0].countries',
    'rule_never_matches@routingRules.timeBasedRules[0].schedule.rules',
  ]);
});

t.test('an empty schedule opened only by an override is not reported as never matching', async (t) => {
  const cfg = config({
    timeBasedRules: [timeRule('emergency', 1, [], { overrides: [{ from: '2024-06-12T10:00:00Z', to: '2024-06-12T12:00:00Z', match: true }] })],
  });
  t.same(codes(cfg), []);
});

t.test('a country that is not ISO-2 is reported, since FromCountry never equals it', async (t) => {
  const cfg = config({ geographicRules: [{ id: 'g', name: 'g', priority: 1, countries: ['US', 'USA'], action: { type: 'reject' } }] });
  t.same(codes(cfg), ['country_not_iso2@routingRules.geographicRules[0].countries[1]']);
});

t.test('conference and voicemail actions while the configuration disables them are reported', async (t) => {
  const cfg = config(
    {
      defaultAction: 'voicemail',
      callerIdRules: [{ id: 'c', name: 'c', priority: 1, patterns: ['+1*'], action: { type: 'conference', destination: 'Room' } }],
    },
    { conferenceEnabled: false, voicemailEnabled: false },
  );
  t.same(codes(cfg), ['conference_disabled@routingRules.callerIdRules[0].action', 'voicemail_disabled@routingRules.defaultAction']);
});

t.test('a menu without a prompt is reported, including nested menus', async (t) => {
  const cfg = config({
    callerIdRules: [
      {
        id: 'ivr',
        name: 'ivr',
        priority: 1,
        patterns: ['+1*'],
        action: { type: 'ivr', options: { menu: { '1': { type: 'ivr', options: { prompt: 'Sub', menu: { '1': { type: 'reject' } } } }, '2': { type: 'ivr', options: { menu: { '1': { type: 'reject' } } } } } } },
      },
    ],
  });
  t.same(codes(cfg), ['ivr_without_prompt@routingRules.callerIdRules[0].action.options', 'ivr_without_prompt@routingRules.callerIdRules[0].action.options.menu.2.options']);
});
