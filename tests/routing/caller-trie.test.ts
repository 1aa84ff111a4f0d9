/**
 * The compiled caller trie answers exactly what checking every pattern one by one answers:
 * the first rule (smallest position) with a matching pattern.
 */
import t from 'tap';
import { CallerTrie } from '../../routing/caller/trie.js';
import { parsePattern, patternMatches, type ParsedPattern } from '../../routing/caller/pattern.js';
import { normalizeCaller } from '../../routing/caller/normalize.js';

function parsed(text: string): ParsedPattern {
  const p = parsePattern(text);
  if ('error' in p) throw new Error(p.error);
  return p;
}

t.test('random pattern sets match like a pattern-by-pattern scan (property)', async (t) => {
  let seed = 99;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const digit = () => String(rand(10));
  const randomPattern = (): string => {
    const kind = rand(10);
    if (kind === 0) return 'anonymous';
    let s = '+' + String(1 + rand(9));
    const len = rand(11);
    for (let i = 0; i < len; i++) s += rand(4) === 0 ? 'X' : digit();
    return rand(2) === 0 ? s + '*' : s;
  };
  const randomCaller = (): string | null => {
    if (rand(12) === 0) return null;
    let s = '+' + String(1 + rand(3));
    const len = 3 + rand(10);
    for (let i = 0; i < len; i++) s += rand(3) === 0 ? '5' : digit();
    return s;
  };
  let mismatches = 0;
  for (let round = 0; round < 200; round++) {
    const rules: ParsedPattern[][] = [];
    const trie = new CallerTrie();
    const ruleCount = 1 + rand(8);
    for (let r = 0; r < ruleCount; r++) {
      const patterns = Array.from({ length: 1 + rand(6) }, () => parsed(randomPattern()));
      rules.push(patterns);
      for (const p of patterns) trie.add(p, r);
    }
    for (let c = 0; c < 50; c++) {
      const caller = randomCaller();
      const scan = rules.findIndex((ps) => ps.some((p) => patternMatches(p, caller)));
      const got = trie.match(caller);
      if ((scan === -1 ? Infinity : scan) !== got) mismatches++;
    }
  }
  t.equal(mismatches, 0);
});

t.test('pattern forms: exact, prefix with zero or more digits, X for exactly one digit', async (t) => {
  t.ok(patternMatches(parsed('+14155550123'), '+14155550123'));
  t.notOk(patternMatches(parsed('+14155550123'), '+141555501234'));
  t.ok(patternMatches(parsed('+1415*'), '+1415'), 'zero digits may follow a prefix');
  t.ok(patternMatches(parsed('+1415*'), '+14155550123'));
  t.ok(patternMatches(parsed('+1415555XXXX'), '+14155550123'));
  t.notOk(patternMatches(parsed('+1415555XXXX'), '+1415555012'));
  t.ok(patternMatches(parsed('anonymous'), null));
  t.notOk(patternMatches(parsed('+*'), null));
});

t.test('caller normalization reads national formats in the given country and refuses non-numbers', async (t) => {
  t.equal(normalizeCaller('+14155550123', 'US'), '+14155550123');
  t.equal(normalizeCaller('(415) 555-0123', 'US'), '+14155550123');
  t.equal(normalizeCaller('020 7946 0958', 'GB'), '+442079460958');
  t.equal(normalizeCaller('0412 345 678', 'AU'), '+61412345678');
  t.equal(normalizeCaller('011 44 20 7946 0958', 'US'), '+442079460958');
  for (const anonymous of [undefined, '', '  ', 'anonymous', 'Anonymous', 'UNKNOWN', 'restricted', 'private', 'client:alice', 'sip:bob@example.com', '12345', 'hello']) {
    t.equal(normalizeCaller(anonymous, 'US'), null, `${JSON.stringify(anonymous)} is anonymous`);
  }
  t.equal(normalizeCaller('4155550123', undefined), null, 'a national number without a country cannot be read');
});
