/**
 * The engine renders TwiML without twilio-node; these tests prove its output is the very
 * string twilio-node's builders produce, for every action kind and for text needing escaping.
 */
import t from 'tap';
import twilio from 'twilio';
import {
  compileNumber,
  continueAfterDial,
  evaluate,
  HANGUP_TWIML,
  NO_CONFIGURATION_SMS_TWIML,
  NO_CONFIGURATION_VOICE_TWIML,
  parseContinuation,
  routeIvrDigit,
  SAFE_DEFAULT_SMS_TWIML,
  SAFE_DEFAULT_VOICE_TWIML,
  SCREEN_TWIML,
  type RoutingAction,
  type StoredConfiguration,
} from '../../routing/index.js';
import { conference, dial, dialNoun, enqueue, gather, message, pause, record, redirect, say } from '../../routing/twiml/verbs.js';
import { element, response } from '../../routing/twiml/xml.js';

const { VoiceResponse, MessagingResponse } = twilio.twiml;

const number = { phoneNumber: '+14155550000', countryCode: 'US', ownerTimezone: 'America/New_York' };
const at = Date.parse('2024-06-12T15:00:00Z');

function configWith(action: RoutingAction, extra: Partial<StoredConfiguration> = {}): StoredConfiguration {
  return {
    id: 'cfg-1',
    name: 'Main',
    isActive: true,
    callForwarding: { destination: '+14155550100' },
    ...extra,
    routingRules: {
      defaultAction: 'forward',
      timeBasedRules: [],
      geographicRules: [],
      callerIdRules: [{ id: 'r', name: 'all', patterns: ['+*'], priority: 1, action }],
      failoverRules: [{ id: 'f', attempts: 2, delay: 4, destinations: ['+14155550122'] }],
    },
  };
}

function voice(action: RoutingAction, extra: Partial<StoredConfiguration> = {}): string {
  return evaluate(compileNumber(number, [configWith(action, extra)]), { from: '+12125550123', at, channel: 'voice' }).twiml;
}

function sms(action: RoutingAction, body: string, from = '+12125550123'): string {
  return evaluate(compileNumber(number, [configWith(action)]), { from, at, channel: 'sms', body }).twiml;
}

const DIAL = '/twilio/voice/dial-result?v=1&c=cfg-1&r=r';

t.test('forward to one number equals VoiceResponse.dial().number()', async (t) => {
  const r = new VoiceResponse();
  r.dial({ timeout: 25, action: DIAL }).number('+14155550111');
  t.equal(voice({ type: 'forward', destination: '+14155550111', options: { timeout: 25 } }), r.toString());
});

t.test('forward to several numbers equals one Dial with several Number nouns', async (t) => {
  const r = new VoiceResponse();
  const d = r.dial({ timeout: 30, action: DIAL });
  d.number('+14155550111');
  d.number('+14155550112');
  d.number('+14155550113');
  t.equal(voice({ type: 'forward', destination: '+14155550111,+14155550112, +14155550113' }), r.toString());
});

t.test('forward to sip: and client: equals the Sip and Client nouns', async (t) => {
  const r = new VoiceResponse();
  const d = r.dial({ timeout: 30, action: DIAL });
  d.sip('sip:desk@pbx.example.com;transport=tls');
  d.client('alice');
  t.equal(voice({ type: 'forward', destination: 'sip:desk@pbx.example.com;transport=tls,client:alice' }), r.toString());
});

t.test('forward with recording equals Dial record="record-from-answer"', async (t) => {
  const r = new VoiceResponse();
  r.dial({ timeout: 30, action: DIAL, record: 'record-from-answer' }).number('+14155550111');
  t.equal(voice({ type: 'forward', destination: '+14155550111', options: { record: true } }), r.toString());
  t.equal(voice({ type: 'forward', destination: '+14155550111' }, { recordCalls: true }), r.toString());
});

t.test('forward with call screening equals nouns carrying the whisper url', async (t) => {
  const r = new VoiceResponse();
  const d = r.dial({ timeout: 30, action: DIAL });
  d.number({ url: '/twilio/voice/screen' }, '+14155550111');
  d.sip({ url: '/twilio/voice/screen' }, 'sip:desk@pbx.example.com');
  d.client({ url: '/twilio/voice/screen' }, 'bob');
  t.equal(voice({ type: 'forward', destination: '+14155550111,sip:desk@pbx.example.com,client:bob' }, { callScreening: true }), r.toString());
});

t.test('forward with callQueue equals VoiceResponse.enqueue()', async (t) => {
  const r = new VoiceResponse();
  r.enqueue({ waitUrl: 'https://cdn.example.com/wait?a=1&b=2', action: '/twilio/voice/queue-result?v=1&c=cfg-1&r=r' }, 'cfg-1');
  t.equal(voice({ type: 'forward', destination: '+14155550111' }, { callQueue: true, maxQueueSize: 5, queueMusic: 'https://cdn.example.com/wait?a=1&b=2' }), r.toString());
});

t.test('voicemail without transcription equals say, record, hangup', async (t) => {
  const r = new VoiceResponse();
  r.say('Please leave a message after the tone.');
  r.record({ action: '/twilio/voice/voicemail-done?v=1&c=cfg-1&r=r' });
  r.hangup();
  t.equal(voice({ type: 'voicemail' }), r.toString());
});

t.test('voicemail with transcription equals record transcribe=true maxLength=120', async (t) => {
  const r = new VoiceResponse();
  r.say('Bonjour & bienvenue');
  r.record({ action: '/twilio/voice/voicemail-done?v=1&c=cfg-1&r=r', transcribe: true, maxLength: 120 });
  r.hangup();
  t.equal(voice({ type: 'voicemail', options: { transcribe: true, prompt: 'Bonjour & bienvenue' } }), r.toString());
});

t.test('reject equals VoiceResponse.reject({ reason: "rejected" })', async (t) => {
  const r = new VoiceResponse();
  r.reject({ reason: 'rejected' });
  t.equal(voice({ type: 'reject' }), r.toString());
});

t.test('conference with and without music equals dial().conference()', async (t) => {
  const withMusic = new VoiceResponse();
  withMusic.dial().conference({ waitUrl: 'https://cdn.example.com/hold.mp3?x=1&y=2' }, 'Sales Room');
  t.equal(voice({ type: 'conference', destination: 'Sales Room', options: { music: 'https://cdn.example.com/hold.mp3?x=1&y=2' } }), withMusic.toString());
  const bare = new VoiceResponse();
  bare.dial().conference('Sales Room');
  t.equal(voice({ type: 'conference', destination: 'Sales Room' }), bare.toString());
});

t.test('ivr with a URL equals VoiceResponse.redirect()', async (t) => {
  const r = new VoiceResponse();
  r.redirect('https://ivr.example.com/start?lang=en&x="1"');
  t.equal(redirect('https://ivr.example.com/start?lang=en&x="1"'), r.toString().replace(/^.*?<Response>|<\/Response>$/g, ''));
  const r2 = new VoiceResponse();
  r2.redirect('https://ivr.example.com/start?lang=en&x=1');
  t.equal(voice({ type: 'ivr', destination: 'https://ivr.example.com/start?lang=en&x=1' }), r2.toString());
});

t.test('ivr with a menu equals gather({ numDigits: 1, action }).say() then redirect()', async (t) => {
  const url = '/twilio/voice/ivr?v=1&c=cfg-1&r=r&m=';
  const r = new VoiceResponse();
  r.gather({ numDigits: 1, action: url }).say('Press 1 for "sales" & 2 for <support>');
  r.redirect(url);
  const menu: RoutingAction = { type: 'ivr', options: { prompt: 'Press 1 for "sales" & 2 for <support>', menu: { '1': { type: 'reject' } } } };
  t.equal(voice(menu), r.toString());

  const compiled = compileNumber(number, [configWith(menu)]);
  const retry = routeIvrDigit(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'r', m: '' })!, '5', at);
  const r2 = new VoiceResponse();
  r2.say('Sorry, that is not a valid choice.');
  r2.gather({ numDigits: 1, action: url + '&t=1' }).say('Press 1 for "sales" & 2 for <support>');
  r2.redirect(url + '&t=1');
  t.equal(retry.twiml, r2.toString());
});

t.test('failover dial with a pause equals pause() then dial()', async (t) => {
  const compiled = compileNumber(number, [configWith({ type: 'forward', destination: '+14155550111' })]);
  const first = continueAfterDial(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'r' })!, 'busy', at);
  const second = continueAfterDial(compiled, parseContinuation({ v: '1', c: 'cfg-1', r: 'r', f: '0.0.1' })!, 'no-answer', at);
  const r1 = new VoiceResponse();
  r1.dial({ timeout: 30, action: DIAL + '&f=0.0.1' }).number('+14155550122');
  const r2 = new VoiceResponse();
  r2.pause({ length: 4 });
  r2.dial({ timeout: 30, action: DIAL + '&f=0.0.2' }).number('+14155550122');
  t.equal(first.twiml, r1.toString());
  t.equal(second.twiml, r2.toString());
});

t.test('hang-up, no-configuration and safe-default documents equal the builders', async (t) => {
  const hang = new VoiceResponse();
  hang.hangup();
  t.equal(HANGUP_TWIML, hang.toString());
  const rej = new VoiceResponse();
  rej.reject();
  t.equal(NO_CONFIGURATION_VOICE_TWIML, rej.toString());
  const safe = new VoiceResponse();
  safe.say('We are sorry, your call cannot be completed right now. Please try again later.');
  safe.hangup();
  t.equal(SAFE_DEFAULT_VOICE_TWIML, safe.toString());
  t.equal(SAFE_DEFAULT_SMS_TWIML, new MessagingResponse().toString());
  t.equal(NO_CONFIGURATION_SMS_TWIML, new MessagingResponse().toString());
  const screen = new VoiceResponse();
  screen.gather({ numDigits: 1, action: '/twilio/voice/screen-result' }).say('You have an incoming call. Press 1 to accept it.');
  screen.hangup();
  t.equal(SCREEN_TWIML, screen.toString());
});

t.test('SMS relay and reply equal MessagingResponse.message()', async (t) => {
  const m = new MessagingResponse();
  m.message({ to: '+14155550111' }, 'From +12125550123: Fish & <chips> "now" ☕\r\nbye');
  m.message({ to: '+14155550112' }, 'From +12125550123: Fish & <chips> "now" ☕\r\nbye');
  m.message('Got it & thanks');
  const got = sms({ type: 'forward', destination: '+14155550111,+14155550112', options: { reply: 'Got it & thanks' } }, 'Fish & <chips> "now" ☕\r\nbye');
  t.equal(got, m.toString());
  const reply = new MessagingResponse();
  reply.message('Closed <today> & tomorrow');
  t.equal(sms({ type: 'reject', options: { reply: 'Closed <today> & tomorrow' } }, 'x'), reply.toString());
});

t.test('verbs escape attribute values like xmlbuilder: & < " TAB LF CR', async (t) => {
  const tricky = `a&b<c>d"e'f\tg\nh\ri é 😀`;
  const r = new VoiceResponse();
  r.dial().conference({ waitUrl: tricky }, tricky);
  r.enqueue({ waitUrl: tricky, action: tricky }, tricky);
  r.record({ action: tricky });
  r.gather({ numDigits: 1, action: tricky }).say(tricky);
  r.pause({ length: 3 });
  r.redirect(tricky);
  const d = r.dial({ timeout: 10, action: tricky, record: 'record-from-answer' });
  d.number({ url: tricky }, '+14155550111');
  const ours = response(
    conference(tricky, tricky) +
      enqueue(tricky, tricky, tricky) +
      record(tricky, false) +
      gather(tricky, say(tricky)) +
      pause(3) +
      redirect(tricky) +
      dial({ timeout: 10, action: tricky, record: true }, dialNoun('+14155550111', tricky)),
  );
  t.equal(ours, r.toString());
  const m = new MessagingResponse();
  m.message({ to: tricky }, tricky);
  t.equal(response(message(tricky, tricky)), m.toString());
});

t.test('empty text self-closes exactly like the builders', async (t) => {
  const r = new VoiceResponse();
  r.say('');
  t.equal(response(say('')), r.toString());
  t.equal(element('Hangup', []), '<Hangup/>');
});

t.test('random text through say() and message() equals the builders (property)', async (t) => {
  const alphabet = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '\t', '\n', '\r', ';', '#', 'é', '€', '漢', '😀', '&amp;', ']]>'];
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let mismatches = 0;
  for (let i = 0; i < 300; i++) {
    let s = '';
    const len = rand(30);
    for (let k = 0; k < len; k++) s += alphabet[rand(alphabet.length)];
    const v = new VoiceResponse();
    v.say(s);
    v.play({ loop: 1 }, 'x');
    const m = new MessagingResponse();
    m.message({ to: s }, s);
    if (response(say(s) + element('Play', [['loop', 1]], 'x')) !== v.toString()) mismatches++;
    if (response(message(s, s)) !== m.toString()) mismatches++;
  }
  t.equal(mismatches, 0);
});

t.test('characters XML forbids are dropped instead of failing the webhook', async (t) => {
  const doc = response(say('a\u0001b\uD800c'));
  t.equal(doc, response(say('abc')));
  t.throws(() => {
    const r = new VoiceResponse();
    r.say('a\u0001b');
    return r.toString();
  }, 'twilio-node throws on the same input');
});
