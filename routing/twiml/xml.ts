/**
 * A minimal XML writer producing byte-for-byte what twilio-node's builders (xmlbuilder 13)
 * produce, so TwiML can be rendered once at compile time without importing twilio.
 */

/** The declaration twilio-node puts before every document. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

// Besides the characters to escape, both patterns catch those XML 1.0 forbids: xmlbuilder
// throws on them, we drop them, because user text (prompts, SMS bodies) must never make the
// webhook fail. With the `u` flag a lone surrogate matches the surrogate range, a pair does not.
const TEXT_SPECIALS = /[&<>\r\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu;
const ATTR_SPECIALS = /[&<"\t\n\r\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

function entity(ch: string): string {
  return ENTITIES[ch] ?? '';
}

/** Escapes element text the way xmlbuilder does (`&`, `<`, `>`, CR), dropping invalid characters. */
export function escapeText(value: string): string {
  TEXT_SPECIALS.lastIndex = 0;
  return TEXT_SPECIALS.test(value) ? value.replace(TEXT_SPECIALS, entity) : value;
}

/** Escapes an attribute value the way xmlbuilder does (`&`, `<`, `"`, TAB, LF, CR), dropping invalid characters. */
export function escapeAttr(value: string): string {
  ATTR_SPECIALS.lastIndex = 0;
  return ATTR_SPECIALS.test(value) ? value.replace(ATTR_SPECIALS, entity) : value;
}

export type AttrValue = string | number | boolean | undefined | null;
export type Attrs = ReadonlyArray<readonly [string, AttrValue]>;

/** Renders attributes in the given order, skipping null/undefined ones (as xmlbuilder does). */
export function renderAttrs(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of attrs) {
    if (value === undefined || value === null) continue;
    out += ' ' + name + '="' + escapeAttr(String(value)) + '"';
  }
  return out;
}

/** An element whose content is already-rendered markup; empty content self-closes. */
export function element(name: string, attrs: Attrs, inner = ''): string {
  const head = '<' + name + renderAttrs(attrs);
  return inner === '' ? head + '/>' : head + '>' + inner + '</' + name + '>';
}

/** An element whose content is text (escaped here); empty text self-closes like xmlbuilder. */
export function textElement(name: string, attrs: Attrs, text: string): string {
  return element(name, attrs, escapeText(text));
}

/** Wraps verbs into a complete TwiML document; no verbs gives `<Response/>`. */
export function response(body: string): string {
  return XML_DECLARATION + (body === '' ? '<Response/>' : '<Response>' + body + '</Response>');
}
