/**
 * Fixed TwiML documents: the no-configuration answers (ROUTING.md §1.3), the safe defaults
 * (§10), hang-up, and the call-screening whisper.
 */
import { CONTINUATION_PATHS } from '../continuation.js';
import { gather, hangup, reject, say } from './verbs.js';
import { response } from './xml.js';
import type { Channel } from '../types.js';

/** Spoken when nothing can be loaded at all. */
export const SAFE_DEFAULT_APOLOGY = 'We are sorry, your call cannot be completed right now. Please try again later.';
/** Voicemail greeting when the action has no `prompt`. */
export const VOICEMAIL_GREETING = 'Please leave a message after the tone.';
/** IVR prompt when a menu has no `prompt`. */
export const IVR_DEFAULT_PROMPT = 'Please choose an option.';
/** Said before the menu is repeated after an invalid key or silence. */
export const IVR_RETRY_NOTICE = 'Sorry, that is not a valid choice.';
/** The whisper the callee hears when call screening is on. */
export const SCREEN_PROMPT = 'You have an incoming call. Press 1 to accept it.';

/** An empty `<Response/>`: SMS "no reply", or "carry on" for a whisper. */
export const EMPTY_TWIML = response('');
/** Hang up. */
export const HANGUP_TWIML = response(hangup());
/** Voice with no applicable configuration: refuse unanswered (`<Reject/>`, ROUTING.md §1.3). */
export const NO_CONFIGURATION_VOICE_TWIML = response(reject());
/** SMS with no applicable configuration: no reply. */
export const NO_CONFIGURATION_SMS_TWIML = EMPTY_TWIML;
/** Voice safe default (§10): a short apology, then hang up. */
export const SAFE_DEFAULT_VOICE_TWIML = response(say(SAFE_DEFAULT_APOLOGY) + hangup());
/** SMS safe default (§10): no reply. */
export const SAFE_DEFAULT_SMS_TWIML = EMPTY_TWIML;
/** Whisper document served at CONTINUATION_PATHS.screen: the callee presses 1 to accept. */
export const SCREEN_TWIML = response(gather(CONTINUATION_PATHS.screenResult, say(SCREEN_PROMPT)) + hangup());

/** The safe default for a channel, used when no compiled configuration is available. */
export function safeDefaultTwiml(channel: Channel): string {
  return channel === 'sms' ? SAFE_DEFAULT_SMS_TWIML : SAFE_DEFAULT_VOICE_TWIML;
}

/** The answer to the screening Gather: 1 connects (empty document), anything else hangs up the callee leg. */
export function screenResultTwiml(digits: string | undefined): string {
  return digits === '1' ? EMPTY_TWIML : HANGUP_TWIML;
}
