/**
 * evaluate() and the continuation functions as an API: shared decisions are immutable, the
 * trace says why, odd input never throws, stale continuations end safely.
 */
import t from 'tap';
import {
  compileNumber,
  continueAfterDial,
  continueAfterQueue,
  evaluate,
  HANGUP_TWIML,
  parseContinuation,
  routeIvrDigit,
  safeDefaultTwiml,
  SAFE_DEFAULT_SMS_TWIML,
  SAFE_DEFAULT_VOICE_TWIML,
  screenResultTwiml,
  EMPTY_TWIML,
  type StoredConfiguration,
} from '../../routing/index.js';

const number = { numberId: 'num-1', phoneNumber: '+14155550000', countryCode: 'US', ownerTimezone: 'America/New_York' };
const at = Date.parse('2024-06-14T13:30:00Z'); // Friday 09:30 in New York

const config: StoredConfiguration = {
  id: 'cfg-1',
  name: 'Main',
  isActive: true,
  callQueue: false,
  maxQueueSize: 25,
  callForwarding: { destination: '+14155550100' },
  createdAt: '2024-01-01T00:00:00Z',
  routingRules: {
    defaultAction: 'voicemail',
    callerIdRules: [{ id: 'vip', name: 'VIP', patterns: ['+1212555XXXX'], priority: 1, action: { type: 'forward', destination: '+14155550111' } }],
    geographicRules: [{ id: 'canada', name: 'Canada', countries: ['CA'], priority: 2, action: { type: 'reject' } }],
    timeBasedRules: [
      {
        id: 'office',
        name: 'Office hours',
        priority: 3,
        schedule: { timezone: 'America/New_York', rules: [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '09:00', timeTo: '17:00' }] },
        action: { type: 'ivr', options: { prompt: 'Press 1', menu: { '1': { type: 'forward', destination: '+14155550112' } } } },
      },
    ],
    failoverRules: [],
  },
};

const compiled = compileNumber(number, [config]);

t.test('decisions handed out without explain are frozen and shared', async (t) => {
  const a = evaluate(compiled, { from: '+12125550123', at, channel: 'voice' });
  const b = evaluate(compiled, { from: '+12125550999', at: at + 1000, channel: 'voice' });
  t.equal(a, b, 'the same object for the same rule');
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.action) && Object.isFrozen(a.rule));
  t.throws(() => {
    (a as { reason: string }).reason = 'changed';
  });
});

t.test('the trace explains configuration, clock, caller, every rule and the action', async (t) => {
  const d = evaluate(compiled, { from: '+16135550123', at, channel: 'voice' }, { explain: true });
  const trace = d.trace!;
  t.equal(trace.at, '2024-06-14T13:30:00.000Z');
  t.same(trace.candidates, [{ id: 'cfg-1', name: 'Main', scheduled: false, outcome: 'selected', detail: 'no scheduled configuration is open; the unscheduled one applies' }]);
  t.same(trace.configuration, { id: 'cfg-1', name: 'Main', reason: 'unscheduled' });
  t.same(trace.clock, { zone: 'America/New_York', local: '2024-06-14T09:30:00', weekday: 'Fri', offset: '-04:00' });
  t.same(trace.caller, { raw: '+16135550123', normalized: '+16135550123', anonymous: false, country: 'ca', state: null, city: null, placeSource: 'number' });
  t.same(
    trace.rules.map((r) => [r.id, r.type, r.outcome, r.code]),
    [
      ['vip', 'callerId', 'not_matched', 'no_pattern_matched'],
      ['canada', 'geographic', 'matched', 'place_matched'],
      ['office', 'time', 'not_reached', 'not_reached'],
    ],
  );
  t.equal(trace.reason, 'rule_matched');
  t.equal(trace.ruleId, 'canada');
  t.same(trace.action, { type: 'reject' });
  t.equal(trace.twiml, d.twiml);
  t.notOk(Object.isFrozen(d), 'an explained decision is a fresh object');
});

t.test('the trace of a time rule names the local time and the window', async (t) => {
  const d = evaluate(compiled, { from: '+447700900123', fromCountry: 'GB', at, channel: 'voice' }, { explain: true });
  const office = d.trace!.rules.find((r) => r.id === 'office')!;
  t.equal(office.outcome, 'matched');
  t.match(office.detail, /Fri 2024-06-14 09:30 \(America\/New_York\) is inside Mon,Tue,Wed,Thu,Fri 09:00–17:00/);
});

t.test('with no configuration the trace uses the owner zone and lists nothing tried', async (t) => {
  const none = compileNumber(number, []);
  const d = evaluate(none, { at, channel: 'voice' }, { explain: true });
  t.equal(d.reason, 'no_configuration');
  t.same(d.trace!.candidates, []);
  t.equal(d.trace!.clock?.zone, 'America/New_York');
  t.same(d.trace!.rules, []);
});

t.test('odd input never throws: missing From, non-finite instant, empty body', async (t) => {
  t.equal(evaluate(compiled, { at, channel: 'voice' }).rule?.id, 'office');
  const nan = evaluate(compiled, { from: '+12125550123', at: Number.NaN, channel: 'voice' }, { explain: true });
  t.equal(nan.rule?.id, 'vip', 'caller rules still apply');
  t.equal(evaluate(compiled, { from: '+33142685300', at: Number.NaN, channel: 'voice' }).reason, 'default_action', 'no schedule matches an invalid instant');
  t.equal(evaluate(compiled, { from: '+12125550123', at, channel: 'sms' }).twiml, '<?xml version="1.0" encoding="UTF-8"?><Response><Message to="+14155550111">From +12125550123: </Message></Response>');
});

t.test('a continuation naming an unknown configuration hangs up', async (t) => {
  const state = parseContinuation({ v: '1', c: 'gone', r: 'vip' })!;
  for (const d of [continueAfterDial(compiled, state, 'busy', at), continueAfterQueue(compiled, state, 'queue-full', at), routeIvrDigit(compiled, state, '1', at)]) {
    t.equal(d.reason, 'continuation_stale');
    t.equal(d.twiml, HANGUP_TWIML);
  }
});

t.test('an IVR continuation whose menu no longer exists takes the default action', async (t) => {
  const d = routeIvrDigit(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'vip', m: '' })!, '1', at);
  t.equal(d.reason, 'continuation_stale');
  t.equal(d.action?.type, 'voicemail');
});

t.test('an IVR key routes inside the original configuration even when another would apply now', async (t) => {
  const d = routeIvrDigit(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'office', m: '' })!, '1', Date.parse('2024-06-15T03:00:00Z'));
  t.equal(d.reason, 'ivr_choice');
  t.same(d.action, { type: 'forward', destination: '+14155550112' });
  t.same(d.configuration, { id: 'cfg-1', name: 'Main', reason: 'continuation' });
});

t.test('an unknown DialCallStatus ends the call rather than dialling again', async (t) => {
  const d = continueAfterDial(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'vip' })!, 'weird', at);
  t.equal(d.reason, 'dial_completed');
  t.equal(d.twiml, HANGUP_TWIML);
});

t.test('the compiled configuration exposes its Twilio queue (name and max size) for the API to provision', async (t) => {
  const queued = compileNumber(number, [{ ...config, callQueue: true }]);
  t.same(queued.unscheduled?.queue, { name: 'cfg-1', maxSize: 25 });
  t.equal(compiled.unscheduled?.queue, null);
});

t.test('safe defaults and the screening answer', async (t) => {
  t.equal(safeDefaultTwiml('voice'), SAFE_DEFAULT_VOICE_TWIML);
  t.equal(safeDefaultTwiml('sms'), SAFE_DEFAULT_SMS_TWIML);
  t.equal(screenResultTwiml('1'), EMPTY_TWIML);
  t.equal(screenResultTwiml('2'), HANGUP_TWIML);
  t.equal(screenResultTwiml(undefined), HANGUP_TWIML);
});

t.test('an SMS relay to ten numbers of a body full of & stays far below 64 kB', async (t) => {
  const targets = Array.from({ length: 10 }, (_, i) => `+1415555${String(2000 + i)}`).join(',');
  const relay = compileNumber(number, [
    { ...config, routingRules: { defaultAction: 'forward', callerIdRules: [{ id: 'all', name: 'all', priority: 1, patterns: ['+*'], action: { type: 'forward', destination: targets } }] } },
  ]);
  const d = evaluate(relay, { from: '+12125550123', at, channel: 'sms', body: '&'.repeat(1600) });
  t.ok(d.twiml.length < 50_000, `${d.twiml.length} characters`);
  t.equal(d.twiml.split('<Message ').length - 1, 10, 'every target still gets the message');
  t.match(d.twiml, /<Message to="\+14155552000">From \+12125550123: (&amp;)+<\/Message>/);
});

t.test('compiling leaves the stored configuration objects untouched and unfrozen', async (t) => {
  const stored = JSON.parse(JSON.stringify(config)) as StoredConfiguration;
  const before = JSON.stringify(stored);
  compileNumber(number, [stored]);
  t.equal(JSON.stringify(stored), before);
  t.notOk(Object.isFrozen((stored.routingRules as { callerIdRules: object[] }).callerIdRules[0]));
});
