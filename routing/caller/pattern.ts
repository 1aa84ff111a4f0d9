/**
 * The caller-ID pattern grammar of ROUTING.md §5, parsed by hand (no regular expressions built
 * from user input, so nothing to ReDoS):
 *
 *   pattern   = "anonymous" | "+" symbols [ "*" ]
 *   symbols   = up to 15 of ( digit | "X" ), the first not "0"
 *
 * Without `*` the caller must have exactly as many digits as there are symbols (X = any one
 * digit); with `*` the symbols are a prefix and any number of digits (zero included) may follow.
 * Surrounding spaces are ignored, `x` reads as `X` and `anonymous` is case-insensitive.
 */

export type ParsedPattern =
  | { kind: 'anonymous'; source: string }
  | { kind: 'number'; source: string; symbols: string; prefix: boolean };

const MAX_SYMBOLS = 15;

/** Parses one pattern; returns an error message instead when it is outside the grammar. */
export function parsePattern(raw: string): ParsedPattern | { error: string } {
  const text = raw.trim();
  if (text.toLowerCase() === 'anonymous') return { kind: 'anonymous', source: raw };
  if (!text.startsWith('+')) {
    return { error: 'a pattern is "anonymous" or starts with "+" (E.164), e.g. +14155550123, +1415*, +1415555XXXX' };
  }
  const prefix = text.endsWith('*');
  const body = text.slice(1, prefix ? -1 : undefined);
  let symbols = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body.charCodeAt(i);
    if (ch >= 48 && ch <= 57) symbols += body[i];
    else if (ch === 88 || ch === 120) symbols += 'X';
    else return { error: `unexpected "${body[i]}" at position ${i + 2}: only digits, X and a final * are allowed` };
  }
  if (symbols.length > MAX_SYMBOLS) return { error: `at most ${MAX_SYMBOLS} digits (E.164)` };
  if (symbols.startsWith('0')) return { error: 'a country code never starts with 0' };
  if (!prefix && symbols.length === 0) return { error: 'a number pattern needs at least one digit' };
  return { kind: 'number', source: raw, symbols, prefix };
}

/** Matches one parsed pattern against a normalized caller (E.164, or null when anonymous); used by explain and lint. */
export function patternMatches(pattern: ParsedPattern, caller: string | null): boolean {
  if (pattern.kind === 'anonymous') return caller === null;
  if (caller === null) return false;
  const digits = caller.slice(1);
  const { symbols } = pattern;
  if (pattern.prefix ? digits.length < symbols.length : digits.length !== symbols.length) return false;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    if (s !== 'X' && s !== digits[i]) return false;
  }
  return true;
}

/**
 * True for the patterns every phone number matches: `+*`, `+X*`, `+XX*` (a normalized caller
 * always has at least two digits).
 */
export function isAnyNumberPattern(pattern: ParsedPattern): boolean {
  return pattern.kind === 'number' && pattern.prefix && /^X{0,2}$/.test(pattern.symbols);
}
