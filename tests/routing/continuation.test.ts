/**
 * The continuation state arrives from the network: parseContinuation validates it and never
 * throws.
 */
import t from 'tap';
import { encodeContinuation, parseContinuation, type ContinuationState } from '../../routing/index.js';

function roundTrip(state: ContinuationState): ContinuationState | null {
  return parseContinuation(Object.fromEntries(new URLSearchParams(encodeContinuation(state))));
}

t.test('a state survives encoding into a query string and parsing back', async (t) => {
  const states: ContinuationState[] = [
    { configurationId: 'cfg-1', ruleId: null, failover: null, menuPath: null, tries: 0 },
    { configurationId: 'clx9a0b1c0000abcd', ruleId: 'vip & friends=1', failover: { rule: 1, destination: 2, attempt: 3 }, menuPath: '3*', tries: 0 },
    { configurationId: 'cfg-1', ruleId: 'ivr', failover: null, menuPath: '', tries: 2 },
  ];
  for (const s of states) t.same(roundTrip(s), s);
});

t.test('the query string stays compact', async (t) => {
  t.equal(encodeContinuation({ configurationId: 'c1', ruleId: 'r1', failover: { rule: 0, destination: 1, attempt: 2 }, menuPath: null, tries: 0 }), 'v=1&c=c1&r=r1&f=0.1.2');
});

t.test('malformed or hostile queries give null, never an exception', async (t) => {
  const bad: unknown[] = [
    null,
    undefined,
    'v=1&c=x',
    {},
    { c: 'cfg' },
    { v: '2', c: 'cfg' },
    { v: '1' },
    { v: '1', c: '' },
    { v: '1', c: 'x'.repeat(129) },
    { v: '1', c: 'cfg', r: '' },
    { v: '1', c: 'cfg', f: '1.2' },
    { v: '1', c: 'cfg', f: '1.2.0' },
    { v: '1', c: 'cfg', f: '-1.0.1' },
    { v: '1', c: 'cfg', f: '1.2.3.4' },
    { v: '1', c: 'cfg', f: '9999.0.1' },
    { v: '1', c: 'cfg', m: '1234' },
    { v: '1', c: 'cfg', m: '#' },
    { v: '1', c: 'cfg', t: '10' },
    { v: '1', c: 'cfg', t: '-1' },
    { v: '1', c: ['a', 'b'] },
    { v: ['1'], c: 'cfg' },
    { v: '1', c: 'cfg', f: { toString: () => '0.0.1' } },
  ];
  for (const q of bad) {
    let result: unknown = 'threw';
    try {
      result = parseContinuation(q as Record<string, string | undefined>);
    } catch {
      result = 'threw';
    }
    t.equal(result, null, `refused: ${JSON.stringify(q)}`);
  }
});

t.test('unknown extra parameters are ignored', async (t) => {
  t.same(parseContinuation({ v: '1', c: 'cfg', DialCallStatus: 'busy', extra: 'x' }), { configurationId: 'cfg', ruleId: null, failover: null, menuPath: null, tries: 0 });
});
