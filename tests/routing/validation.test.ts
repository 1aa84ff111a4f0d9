/**
 * Every refusal of validateConfiguration, with the exact path of the error.
 */
import t from 'tap';
import { compileNumber, RoutingConfigurationError, validateConfiguration, type ValidationError } from '../../routing/index.js';

type Json = Record<string, unknown>;

/** A valid configuration in the seed's shape (no optional additions). */
function seedConfig(): Json {
  return {
    id: 'cfg-1',
    numberId: 'num-1',
    name: 'Business hours',
    isActive: true,
    scheduleEnabled: false,
    schedule: null,
    timezone: 'America/New_York',
    fallbackRules: null,
    recordCalls: false,
    callScreening: false,
    callQueue: false,
    maxQueueSize: null,
    queueMusic: null,
    conferenceEnabled: false,
    voicemailEnabled: true,
    callForwarding: { destination: '+14155550100', timeout: 20 },
    createdAt: new Date('2024-01-01T00:00:00Z'),
    routingRules: {
      defaultAction: 'forward',
      timeBasedRules: [
        {
          id: 't1',
          name: 'Office',
          priority: 1,
          schedule: { timezone: 'America/New_York', rules: [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '09:00', timeTo: '17:00' }] },
          action: { type: 'forward', destination: '+14155550101', options: { timeout: 25, record: true } },
        },
        {
          id: 't2',
          name: 'Lunch',
          priority: 2,
          schedule: { timezone: 'America/New_York', rules: [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '12:00', timeTo: '13:00' }] },
          action: { type: 'voicemail', options: { transcribe: true } },
        },
        {
          id: 't3',
          name: 'Night',
          priority: 3,
          schedule: { timezone: 'Europe/London', rules: [{ dayOfWeek: [0, 6], timeFrom: '22:00', timeTo: '06:00' }] },
          action: { type: 'reject' },
        },
      ],
      geographicRules: [{ id: 'g1', name: 'Canada', countries: ['CA'], states: [], cities: [], priority: 4, action: { type: 'voicemail' } }],
      callerIdRules: [{ id: 'c1', name: 'VIP', patterns: ['+14155550123', '+1212*', '+1415555XXXX', 'anonymous'], priority: 0, action: { type: 'forward', destination: 'sip:vip@pbx.example.com' } }],
      failoverRules: [{ id: 'f1', attempts: 2, delay: 5, destinations: ['+14155550102', 'client:alice'] }],
    },
  };
}

function errorsOf(input: unknown): ValidationError[] {
  const r = validateConfiguration(input);
  return r.ok ? [] : r.errors;
}

// Mutates a deep path of a fresh seed config; `undefined` deletes the key.
function mutated(path: (string | number)[], value: unknown): Json {
  const cfg = seedConfig();
  let node: Record<string | number, unknown> = cfg;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return cfg;
}

t.test('a configuration written against the seed types is valid, with no warnings', async (t) => {
  const r = validateConfiguration(seedConfig());
  t.ok(r.ok);
  if (r.ok) {
    t.same(r.warnings, []);
    t.equal(r.value.createdAt, Date.parse('2024-01-01T00:00:00Z'));
    t.equal(r.value.routingRules.callerIdRules[0]?.patterns.length, 4);
  }
});

t.test('explicit nulls and missing optional fields take the documented defaults', async (t) => {
  const r = validateConfiguration({ routingRules: { defaultAction: 'reject' } });
  t.ok(r.ok);
  if (r.ok) {
    t.same(
      { ...r.value, routingRules: undefined },
      {
        id: null,
        name: '',
        isActive: false,
        scheduleEnabled: false,
        schedule: null,
        timezone: null,
        routingRules: undefined,
        fallbackRules: null,
        recordCalls: false,
        callScreening: false,
        callQueue: false,
        maxQueueSize: null,
        queueMusic: null,
        conferenceEnabled: false,
        voicemailEnabled: true,
        callForwarding: null,
        createdAt: null,
      },
    );
    t.same(r.value.routingRules, { defaultAction: 'reject', timeBasedRules: [], geographicRules: [], callerIdRules: [], failoverRules: [] });
  }
});

interface Refusal {
  name: string;
  path: (string | number)[];
  value: unknown;
  errorPath: string;
  message?: RegExp;
  /** A second mutation applied on top. */
  also?: [(string | number)[], unknown];
}

const T0 = ['routingRules', 'timeBasedRules', 0, 'schedule'];
const W0 = [...T0, 'rules', 0];
const C0 = ['routingRules', 'callerIdRules', 0];
const refusals: Refusal[] = [
  { name: 'an unknown IANA zone on a time rule', path: [...T0, 'timezone'], value: 'Mars/Olympus', errorPath: 'routingRules.timeBasedRules[0].schedule.timezone', message: /unknown IANA/ },
  { name: 'an unknown IANA zone on the configuration', path: ['timezone'], value: 'EST5EDT/Nowhere', errorPath: 'timezone', message: /unknown IANA/ },
  {
    name: 'an unknown IANA zone on the configuration schedule',
    path: ['schedule'],
    value: { timezone: 'Europe/Atlantis', rules: [] },
    errorPath: 'schedule.timezone',
  },
  { name: 'a timeFrom without a leading zero', path: [...W0, 'timeFrom'], value: '9:00', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeFrom', message: /HH:mm/ },
  { name: 'minutes past 59', path: [...W0, 'timeTo'], value: '17:60', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeTo' },
  { name: 'an hour past 23', path: [...W0, 'timeFrom'], value: '25:00', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeFrom' },
  { name: '24:00 as timeFrom', path: [...W0, 'timeFrom'], value: '24:00', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeFrom' },
  { name: 'a time with seconds', path: [...W0, 'timeTo'], value: '17:00:00', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeTo' },
  { name: 'timeFrom equal to timeTo', path: [...W0, 'timeTo'], value: '09:00', errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].timeTo', message: /equals timeFrom/ },
  { name: 'a day number above 7', path: [...W0, 'dayOfWeek'], value: [1, 8], errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].dayOfWeek[1]', message: /0–7/ },
  { name: 'a negative day number', path: [...W0, 'dayOfWeek'], value: [-1], errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].dayOfWeek[0]' },
  { name: 'a fractional day number', path: [...W0, 'dayOfWeek'], value: [1.5], errorPath: 'routingRules.timeBasedRules[0].schedule.rules[0].dayOfWeek[0]' },
  { name: 'a caller pattern without +', path: [...C0, 'patterns', 1], value: '4155550123', errorPath: 'routingRules.callerIdRules[0].patterns[1]', message: /starts with "\+"/ },
  { name: 'a regular expression as caller pattern', path: [...C0, 'patterns', 0], value: '^\\+1415.*$', errorPath: 'routingRules.callerIdRules[0].patterns[0]' },
  { name: 'a dot in a caller pattern', path: [...C0, 'patterns', 2], value: '+1415.*', errorPath: 'routingRules.callerIdRules[0].patterns[2]', message: /unexpected "\."/ },
  { name: 'a * that is not last', path: [...C0, 'patterns', 0], value: '+1*5', errorPath: 'routingRules.callerIdRules[0].patterns[0]' },
  { name: 'a bare * pattern', path: [...C0, 'patterns', 0], value: '*', errorPath: 'routingRules.callerIdRules[0].patterns[0]' },
  { name: 'a pattern longer than E.164 allows', path: [...C0, 'patterns', 0], value: '+1234567890123456', errorPath: 'routingRules.callerIdRules[0].patterns[0]', message: /15 digits/ },
  { name: 'a pattern starting with country code 0', path: [...C0, 'patterns', 0], value: '+0123*', errorPath: 'routingRules.callerIdRules[0].patterns[0]' },
  { name: 'spaces inside a pattern', path: [...C0, 'patterns', 0], value: '+1 415 555 0123', errorPath: 'routingRules.callerIdRules[0].patterns[0]' },
  { name: 'a forward rule without destination', path: [...C0, 'action', 'destination'], value: undefined, errorPath: 'routingRules.callerIdRules[0].action.destination', message: /forward needs a destination/ },
  { name: 'a forward rule with a blank destination', path: [...C0, 'action', 'destination'], value: '  ', errorPath: 'routingRules.callerIdRules[0].action.destination' },
  { name: 'defaultAction forward without callForwarding', path: ['callForwarding'], value: null, errorPath: 'callForwarding.destination', message: /defaultAction forward needs/ },
  { name: 'defaultAction forward with an invalid callForwarding destination', path: ['callForwarding', 'destination'], value: '415-555-0100', errorPath: 'callForwarding.destination' },
  { name: 'a national number as destination', path: [...C0, 'action', 'destination'], value: '4155550123', errorPath: 'routingRules.callerIdRules[0].action.destination', message: /not an E\.164/ },
  { name: 'a tel: URI as destination', path: [...C0, 'action', 'destination'], value: 'tel:+14155550123', errorPath: 'routingRules.callerIdRules[0].action.destination' },
  { name: 'an empty sip: URI', path: [...C0, 'action', 'destination'], value: 'sip:', errorPath: 'routingRules.callerIdRules[0].action.destination' },
  { name: 'a client name with spaces', path: [...C0, 'action', 'destination'], value: 'client:alice smith', errorPath: 'routingRules.callerIdRules[0].action.destination' },
  { name: 'an empty entry in a destination list', path: [...C0, 'action', 'destination'], value: '+14155550111,,+14155550112', errorPath: 'routingRules.callerIdRules[0].action.destination', message: /empty entry/ },
  {
    name: 'more than 10 destinations ringing together',
    path: [...C0, 'action', 'destination'],
    value: Array.from({ length: 11 }, (_, i) => `+1415555${String(1000 + i)}`).join(','),
    errorPath: 'routingRules.callerIdRules[0].action.destination',
    message: /at most 10/,
  },
  { name: 'a conference without room', path: [...C0, 'action'], value: { type: 'conference' }, errorPath: 'routingRules.callerIdRules[0].action.destination', message: /room name/ },
  { name: 'a conference room with markup', path: [...C0, 'action'], value: { type: 'conference', destination: '<room>' }, errorPath: 'routingRules.callerIdRules[0].action.destination' },
  {
    name: 'defaultAction conference without a room',
    path: ['routingRules', 'defaultAction'],
    value: 'conference',
    also: [['callForwarding'], null],
    errorPath: 'callForwarding.destination',
    message: /room name/,
  },
  { name: 'an ivr with neither URL nor menu', path: [...C0, 'action'], value: { type: 'ivr' }, errorPath: 'routingRules.callerIdRules[0].action', message: /URL destination or options\.menu/ },
  { name: 'an ivr whose destination is not a URL', path: [...C0, 'action'], value: { type: 'ivr', destination: '/relative/path' }, errorPath: 'routingRules.callerIdRules[0].action.destination' },
  {
    name: 'an ivr with both a URL and a menu',
    path: [...C0, 'action'],
    value: { type: 'ivr', destination: 'https://x.example.com', options: { menu: { '1': { type: 'reject' } } } },
    errorPath: 'routingRules.callerIdRules[0].action.options.menu',
  },
  { name: 'an ivr with an empty menu', path: [...C0, 'action'], value: { type: 'ivr', options: { menu: {} } }, errorPath: 'routingRules.callerIdRules[0].action.options.menu' },
  { name: 'a menu key other than 0–9 or *', path: [...C0, 'action'], value: { type: 'ivr', options: { menu: { '#': { type: 'reject' } } } }, errorPath: 'routingRules.callerIdRules[0].action.options.menu.#', message: /menu key/ },
  {
    name: 'an invalid action inside a menu',
    path: [...C0, 'action'],
    value: { type: 'ivr', options: { menu: { '2': { type: 'forward' } } } },
    errorPath: 'routingRules.callerIdRules[0].action.options.menu.2.destination',
  },
  {
    name: 'menus nested four deep',
    path: [...C0, 'action'],
    value: { type: 'ivr', options: { menu: { '1': { type: 'ivr', options: { menu: { '1': { type: 'ivr', options: { menu: { '1': { type: 'ivr', options: { menu: { '1': { type: 'reject' } } } } } } } } } } } } },
    errorPath: 'routingRules.callerIdRules[0].action.options.menu.1.options.menu.1.options.menu.1.options.menu',
  },
  { name: 'a menu on a non-ivr action', path: [...C0, 'action'], value: { type: 'reject', options: { menu: { '1': { type: 'reject' } } } }, errorPath: 'routingRules.callerIdRules[0].action.options.menu' },
  { name: 'an unknown action type', path: [...C0, 'action', 'type'], value: 'transfer', errorPath: 'routingRules.callerIdRules[0].action.type' },
  { name: 'a ring timeout under 5 seconds', path: ['routingRules', 'timeBasedRules', 0, 'action', 'options', 'timeout'], value: 3, errorPath: 'routingRules.timeBasedRules[0].action.options.timeout' },
  { name: 'a music value that is not a URL', path: [...C0, 'action'], value: { type: 'conference', destination: 'Room', options: { music: 'hold.mp3' } }, errorPath: 'routingRules.callerIdRules[0].action.options.music' },
  { name: 'an SMS reply over 1600 characters', path: [...C0, 'action', 'options'], value: { reply: 'x'.repeat(1601) }, errorPath: 'routingRules.callerIdRules[0].action.options.reply' },
  { name: 'failover attempts of 0', path: ['routingRules', 'failoverRules', 0, 'attempts'], value: 0, errorPath: 'routingRules.failoverRules[0].attempts' },
  { name: 'a negative failover delay', path: ['routingRules', 'failoverRules', 0, 'delay'], value: -1, errorPath: 'routingRules.failoverRules[0].delay' },
  { name: 'a failover rule without destinations', path: ['routingRules', 'failoverRules', 0, 'destinations'], value: [], errorPath: 'routingRules.failoverRules[0].destinations' },
  { name: 'an invalid failover destination', path: ['routingRules', 'failoverRules', 0, 'destinations', 1], value: 'alice', errorPath: 'routingRules.failoverRules[0].destinations[1]' },
  { name: 'scheduleEnabled without a schedule', path: ['scheduleEnabled'], value: true, errorPath: 'schedule', message: /required when scheduleEnabled/ },
  { name: 'an impossible holiday date', path: [...T0, 'holidays'], value: [{ date: '2024-02-30', name: 'Nope' }], errorPath: 'routingRules.timeBasedRules[0].schedule.holidays[0].date' },
  {
    name: 'an override ending before it starts',
    path: [...T0, 'overrides'],
    value: [{ from: '2024-06-12T10:00:00Z', to: '2024-06-12T09:00:00Z', match: true }],
    errorPath: 'routingRules.timeBasedRules[0].schedule.overrides[0].to',
    message: /after from/,
  },
  {
    name: 'an override instant without offset',
    path: [...T0, 'overrides'],
    value: [{ from: '2024-06-12T10:00:00', to: '2024-06-12T11:00:00Z', match: false }],
    errorPath: 'routingRules.timeBasedRules[0].schedule.overrides[0].from',
  },
  { name: 'a maxQueueSize of 0', path: ['maxQueueSize'], value: 0, errorPath: 'maxQueueSize' },
  { name: 'a queueMusic that is not http(s)', path: ['queueMusic'], value: 'ftp://music.example.com/a.mp3', errorPath: 'queueMusic' },
  { name: 'defaultAction ivr (outside the seed union)', path: ['routingRules', 'defaultAction'], value: 'ivr', errorPath: 'routingRules.defaultAction' },
  { name: 'a rule without id', path: ['routingRules', 'geographicRules', 0, 'id'], value: '', errorPath: 'routingRules.geographicRules[0].id' },
  { name: 'a non-numeric priority', path: ['routingRules', 'geographicRules', 0, 'priority'], value: 'high', errorPath: 'routingRules.geographicRules[0].priority' },
  { name: 'missing routingRules', path: ['routingRules'], value: undefined, errorPath: 'routingRules' },
];

for (const r of refusals) {
  t.test(`validation refuses ${r.name} at ${r.errorPath || '(root)'}`, async (t) => {
    const cfg = mutated(r.path, r.value);
    if (r.also !== undefined) {
      const [path, value] = r.also;
      let node = cfg as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      node[path[path.length - 1]!] = value;
    }
    const errors = errorsOf(cfg);
    const hit = errors.find((e) => e.path === r.errorPath);
    t.ok(hit, `error at ${r.errorPath}; got ${JSON.stringify(errors)}`);
    if (hit !== undefined && r.message !== undefined) t.match(hit.message, r.message);
  });
}

t.test('paths index the failing entry exactly: timeBasedRules[2].schedule.rules[0].timeTo', async (t) => {
  const cfg = mutated(['routingRules', 'timeBasedRules', 2, 'schedule', 'rules', 0, 'timeTo'], '22:00');
  t.same(errorsOf(cfg), [{ path: 'routingRules.timeBasedRules[2].schedule.rules[0].timeTo', message: 'timeTo equals timeFrom: the window would be empty' }]);
});

t.test('errors in several rules are all reported', async (t) => {
  const cfg = seedConfig();
  const rr = cfg['routingRules'] as { timeBasedRules: Json[]; callerIdRules: Json[] };
  (rr.timeBasedRules[0]!['schedule'] as Json)['timezone'] = 'Nowhere/City';
  (rr.callerIdRules[0]!['patterns'] as string[])[3] = 'anon';
  t.same(errorsOf(cfg).map((e) => e.path).sort(), ['routingRules.callerIdRules[0].patterns[3]', 'routingRules.timeBasedRules[0].schedule.timezone']);
});

t.test('a non-object input is refused at the root', async (t) => {
  t.same(errorsOf(42).map((e) => e.path), ['']);
  t.same(errorsOf(null).map((e) => e.path), ['']);
});

t.test('24:00 is accepted as timeTo and 0 and 7 as Sunday', async (t) => {
  const cfg = mutated(W0, { dayOfWeek: [0, 7], timeFrom: '00:00', timeTo: '24:00' });
  t.same(errorsOf(cfg), []);
});

t.test('compileNumber throws RoutingConfigurationError listing the invalid active configuration', async (t) => {
  const bad = mutated([...W0, 'timeTo'], '9');
  const err = t.throws(() => compileNumber({ phoneNumber: '+14155550000', countryCode: 'US' }, [bad])) as unknown;
  t.ok(err instanceof RoutingConfigurationError);
  if (err instanceof RoutingConfigurationError) {
    t.equal(err.configurations[0]?.configurationId, 'cfg-1');
    t.equal(err.configurations[0]?.errors[0]?.path, 'routingRules.timeBasedRules[0].schedule.rules[0].timeTo');
  }
});

t.test('compileNumber ignores an invalid configuration that is not active', async (t) => {
  const bad = { ...mutated([...W0, 'timeTo'], '9'), isActive: false };
  const compiled = compileNumber({ phoneNumber: '+14155550000', countryCode: 'US' }, [bad, seedConfig()]);
  t.equal(compiled.unscheduled?.id, 'cfg-1');
});

t.test('compileNumber replaces an unknown owner timezone by UTC and says so', async (t) => {
  const compiled = compileNumber({ phoneNumber: '+14155550000', countryCode: 'US', ownerTimezone: 'Moon/Base' }, [seedConfig()]);
  t.equal(compiled.ownerTimezone, 'UTC');
  t.match(compiled.warnings.join(' '), /Moon\/Base/);
});

t.test('compileNumber derives the country from the number when countryCode is missing', async (t) => {
  const compiled = compileNumber({ phoneNumber: '+442071234567' }, [seedConfig()]);
  t.equal(compiled.country, 'GB');
});
