/**
 * TwiML verbs and nouns used by the engine, as strings. Attribute order is fixed here and
 * mirrored by the equivalence tests against twilio-node's builders.
 */
import { element, textElement } from './xml.js';

/** `<Say>` with text. */
export function say(text: string): string {
  return textElement('Say', [], text);
}

/** `<Hangup/>`. */
export function hangup(): string {
  return '<Hangup/>';
}

/** `<Pause length=..>`; a zero length renders nothing. */
export function pause(seconds: number): string {
  return seconds > 0 ? element('Pause', [['length', seconds]]) : '';
}

/** `<Reject>`, with a reason or bare. */
export function reject(reason?: 'rejected' | 'busy'): string {
  return element('Reject', [['reason', reason]]);
}

/** `<Redirect>` to a URL. */
export function redirect(url: string): string {
  return textElement('Redirect', [], url);
}

/** One dial target: E.164 number, `sip:` URI or `client:` identity. */
export function dialNoun(destination: string, whisperUrl?: string): string {
  if (destination.startsWith('sip:') || destination.startsWith('sips:')) {
    return textElement('Sip', [['url', whisperUrl]], destination);
  }
  if (destination.startsWith('client:')) {
    return textElement('Client', [['url', whisperUrl]], destination.slice('client:'.length));
  }
  return textElement('Number', [['url', whisperUrl]], destination);
}

export interface DialAttrs {
  timeout?: number;
  action?: string;
  record?: boolean;
}

/** `<Dial timeout action record>` around already-rendered nouns. */
export function dial(attrs: DialAttrs, nouns: string): string {
  return element(
    'Dial',
    [
      ['timeout', attrs.timeout],
      ['action', attrs.action],
      ['record', attrs.record === true ? 'record-from-answer' : undefined],
    ],
    nouns,
  );
}

/** `<Dial><Conference waitUrl>room</Conference></Dial>`. */
export function conference(room: string, waitUrl?: string): string {
  return element('Dial', [], textElement('Conference', [['waitUrl', waitUrl]], room));
}

/** `<Enqueue waitUrl action>queue</Enqueue>`. */
export function enqueue(queueName: string, waitUrl: string | undefined, action: string): string {
  return textElement(
    'Enqueue',
    [
      ['waitUrl', waitUrl],
      ['action', action],
    ],
    queueName,
  );
}

/** `<Record>`; 120 s max when transcribing, per ROUTING.md §6. */
export function record(action: string, transcribe: boolean): string {
  return element('Record', [
    ['action', action],
    ['transcribe', transcribe ? true : undefined],
    ['maxLength', transcribe ? 120 : undefined],
  ]);
}

/** `<Gather numDigits="1" action>` around already-rendered verbs. */
export function gather(action: string, inner: string): string {
  return element(
    'Gather',
    [
      ['numDigits', 1],
      ['action', action],
    ],
    inner,
  );
}

/** `<Message to>` with text (no `to`: a reply to the sender). */
export function message(text: string, to?: string): string {
  return textElement('Message', [['to', to]], text);
}
