/**
 * Runs the routing specification (tests/routing/cases.json): each case a subtest named by its
 * sentence. Every TwiML is parsed strictly, the explained decision must equal the fast one,
 * and continuation steps follow the URLs the previous TwiML carried.
 */
import t from 'tap';
import { compileNumber, continueAfterDial, continueAfterQueue, evaluate, routeIvrDigit, type Decision } from '../../routing/index.js';
import { callOf, checkTwiml, compare, configurationsOf, continuationFor, loadCases, numberOf } from './fixtures/cases.js';

const file = loadCases();

t.test('the case file holds at least 80 cases with unique names', async (t) => {
  t.ok(file.cases.length >= 80, `${file.cases.length} cases`);
  t.equal(new Set(file.cases.map((c) => c.name)).size, file.cases.length);
});

for (const c of file.cases) {
  t.test(c.name, async (t) => {
    const compiled = compileNumber(numberOf(file, c), configurationsOf(file, c));
    const call = callOf(file, c);
    const fast = evaluate(compiled, call);
    const explained = evaluate(compiled, call, { explain: true });
    t.same(
      { reason: explained.reason, rule: explained.rule, configuration: explained.configuration, action: explained.action, twiml: explained.twiml },
      { reason: fast.reason, rule: fast.rule, configuration: fast.configuration, action: fast.action, twiml: fast.twiml },
      'the explained decision equals the fast one',
    );
    t.ok(explained.trace, 'explain returns a trace');
    let root = checkTwiml(fast.twiml);
    t.same(compare(explained, c.expect), [], 'decision as specified');

    let previous: Decision = fast;
    for (const [i, step] of (c.steps ?? []).entries()) {
      const state = continuationFor(root, step);
      let next: Decision;
      if (step.dial !== undefined) next = continueAfterDial(compiled, state, step.dial, call.at);
      else if (step.queue !== undefined) next = continueAfterQueue(compiled, state, step.queue, call.at);
      else next = routeIvrDigit(compiled, state, step.digits ?? undefined, call.at);
      root = checkTwiml(next.twiml);
      t.same(compare(next, step.expect), [], `step ${i + 1} (${JSON.stringify({ ...step, expect: undefined })}) as specified`);
      previous = next;
    }
    t.ok(previous.twiml.length > 0);
  });
}
