// What may reach Postgres of text did-edge did not write: everything but NUL and lone surrogates.
import t from 'tap'
import { cleanStrings, cleanText } from '../../src/text/clean-text.js'

const cases: [name: string, input: string, expected: string][] = [
  ['a clean number stays as it is', '+14155550100', '+14155550100'],
  ['the empty string stays empty', '', ''],
  ['emoji (surrogate pairs) stay', 'hi 😀 👍🏽', 'hi 😀 👍🏽'],
  ['line breaks, tabs and other controls Postgres stores stay', 'a\nb\r\n\tc\u0001\u001f\u007f', 'a\nb\r\n\tc\u0001\u001f\u007f'],
  ['U+FFFD and non-characters stay', '\uFFFD\uFFFE', '\uFFFD\uFFFE'],
  ['a NUL is removed', '+1415\u00005550100', '+14155550100'],
  ['every NUL is removed', '\u0000a\u0000\u0000b\u0000', 'ab'],
  ['a lone high surrogate becomes U+FFFD', 'ab\uD83D', 'ab\uFFFD'],
  ['a lone low surrogate becomes U+FFFD', '\uDE00ab', '\uFFFDab'],
  ['reversed halves of a pair are two lone surrogates', '\uDE00\uD83D', '\uFFFD\uFFFD'],
  ['a pair cut by clipping keeps what precedes it', '😀😀'.slice(0, 3), '😀\uFFFD'],
  ['NUL between the halves of a pair rejoins them', '\uD83D\u0000\uDE00', '😀'],
  ['NUL and lone surrogates together', 'CA\u0000\uD800x😀', 'CA\uFFFDx😀'],
]

t.test('cleanText removes NUL and replaces lone surrogates, and nothing else', async (t) => {
  for (const [name, input, expected] of cases) {
    const cleaned = cleanText(input)
    t.equal(cleaned, expected, name)
    t.ok(cleaned.isWellFormed() && !cleaned.includes('\0'), `${name}: the result is storable`)
  }
})

t.test('cleanStrings cleans every string of an event and copies only what changed', async (t) => {
  const clean = { kind: 'sms.received', at: 1, from: '+1', mediaUrls: ['https://a'], geography: { fromCity: 'X' }, number: null }
  t.equal(cleanStrings(clean), clean, 'a clean event is the same object')

  const dirty = { ...clean, from: '+1\u0000', mediaUrls: ['https://a', 'https://b\uD800'], geography: { fromCity: 'Y\u0000' } }
  const cleaned = cleanStrings(dirty)
  t.same(cleaned, { ...clean, from: '+1', mediaUrls: ['https://a', 'https://b\uFFFD'], geography: { fromCity: 'Y' } })
  t.equal(dirty.from, '+1\u0000', 'the input is not changed')
  t.equal(dirty.mediaUrls[1], 'https://b\uD800')
})
