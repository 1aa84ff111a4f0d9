/**
 * Continuation state: where a call is in its failover plan or IVR menu, carried in the
 * query string of the relative URLs the engine puts in `<Dial action>`, `<Gather action>`,
 * `<Enqueue action>` and `<Record action>`. Twilio signs those URLs like any other, so any
 * instance can continue the call without shared session state.
 */
import type { ContinuationState } from './types.js';

/** Relative URLs of the webhook endpoints the TwiML points back to. */
export const CONTINUATION_PATHS = {
  dialResult: '/twilio/voice/dial-result',
  ivr: '/twilio/voice/ivr',
  queueResult: '/twilio/voice/queue-result',
  voicemailDone: '/twilio/voice/voicemail-done',
  screen: '/twilio/voice/screen',
  screenResult: '/twilio/voice/screen-result',
} as const;

/** Version of the query-string format, so a future format can coexist with calls in progress. */
export const CONTINUATION_VERSION = '1';

const MAX_ID_LENGTH = 128;
const FAILOVER_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MENU_PATH_RE = /^[0-9*]{0,3}$/;
const TRIES_RE = /^\d$/;

/** Builds the query string (without `?`) for a state; values are percent-encoded, not XML-escaped. */
export function encodeContinuation(state: ContinuationState): string {
  let q = 'v=' + CONTINUATION_VERSION + '&c=' + encodeURIComponent(state.configurationId);
  if (state.ruleId !== null) q += '&r=' + encodeURIComponent(state.ruleId);
  if (state.menuPath !== null) q += '&m=' + encodeURIComponent(state.menuPath);
  if (state.tries > 0) q += '&t=' + state.tries;
  const f = state.failover;
  if (f !== null) q += '&f=' + f.rule + '.' + f.destination + '.' + f.attempt;
  return q;
}

/** Builds a continuation URL (path + query), not yet XML-escaped. */
export function continuationUrl(path: string, state: ContinuationState): string {
  return path + '?' + encodeContinuation(state);
}

function single(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

/**
 * Reads the state back from a parsed query (it arrives from the network): anything malformed
 * gives null, never an exception.
 */
export function parseContinuation(query: Record<string, string | undefined> | null | undefined): ContinuationState | null {
  if (query === null || typeof query !== 'object') return null;
  const v = single(query['v']);
  const c = single(query['c']);
  const r = single(query['r']);
  const m = single(query['m']);
  const t = single(query['t']);
  const f = single(query['f']);
  if (v !== CONTINUATION_VERSION) return null;
  if (typeof c !== 'string' || c.length === 0 || c.length > MAX_ID_LENGTH) return null;
  if (r === null || (r !== undefined && (r.length === 0 || r.length > MAX_ID_LENGTH))) return null;
  if (m === null || (m !== undefined && !MENU_PATH_RE.test(m))) return null;
  if (t === null || (t !== undefined && !TRIES_RE.test(t))) return null;
  if (f === null) return null;
  let failover: ContinuationState['failover'] = null;
  if (f !== undefined) {
    const parts = FAILOVER_RE.exec(f);
    if (parts === null) return null;
    const attempt = Number(parts[3]);
    if (attempt < 1) return null;
    failover = { rule: Number(parts[1]), destination: Number(parts[2]), attempt };
  }
  return {
    configurationId: c,
    ruleId: r ?? null,
    failover,
    menuPath: m ?? null,
    tries: t === undefined ? 0 : Number(t),
  };
}
