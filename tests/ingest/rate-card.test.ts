// RATE_CARD: defaults, overrides by number type and country, and the errors an operator sees.
import t from 'tap'
import { RateCardError, parseRateCard, smsRate, voiceRate } from '../../src/ingest/rate-card.js'

t.test('without RATE_CARD the defaults apply: voice by number type, SMS per segment, in USD', async (t) => {
  for (const input of [undefined, '', '  ']) {
    const card = parseRateCard(input)
    t.equal(card.currency, 'USD')
    t.equal(voiceRate(card, 'US', 'LOCAL').toFixed(4), '0.0085')
    t.equal(voiceRate(card, 'US', 'MOBILE').toFixed(4), '0.0085')
    t.equal(voiceRate(card, 'US', 'TOLL_FREE').toFixed(4), '0.0220')
    t.equal(voiceRate(card, 'FR', 'PREMIUM').toFixed(4), '0.0085', 'an unlisted type takes the default')
    t.equal(smsRate(card, 'US', 'LOCAL').toFixed(4), '0.0079')
  }
})

t.test('overrides replace the defaults key by key; a country override falls through for what it omits', async (t) => {
  const card = parseRateCard(JSON.stringify({
    currency: 'EUR',
    voicePerMinute: { TOLL_FREE: '0.03' },
    smsPerSegment: { default: 0.0075 },
    countries: {
      gb: { voicePerMinute: { MOBILE: '0.02' } },
      DE: { voicePerMinute: { default: '0.011' }, smsPerSegment: { MOBILE: '0.09' } },
    },
  }))
  t.equal(card.currency, 'EUR')
  t.equal(voiceRate(card, 'US', 'TOLL_FREE').toFixed(4), '0.0300', 'type override')
  t.equal(voiceRate(card, 'US', 'LOCAL').toFixed(4), '0.0085', 'other types keep their defaults')
  t.equal(smsRate(card, 'US', 'LOCAL').toFixed(4), '0.0075', 'a JSON number is taken as written')
  t.equal(voiceRate(card, 'GB', 'MOBILE').toFixed(4), '0.0200', 'country and type (country codes in any case)')
  t.equal(voiceRate(card, 'gb', 'LOCAL').toFixed(4), '0.0085', 'a country without that type falls through to the card')
  t.equal(voiceRate(card, 'DE', 'TOLL_FREE').toFixed(4), '0.0110', "the country's default beats the card's type price")
  t.equal(smsRate(card, 'DE', 'MOBILE').toFixed(4), '0.0900')
  t.equal(smsRate(card, 'DE', 'LOCAL').toFixed(4), '0.0075')
})

t.test('a bad RATE_CARD is refused with one line naming the problem', async (t) => {
  const cases: [input: string, message: RegExp][] = [
    ['{', /^RATE_CARD is not valid JSON$/],
    ['{"voicePerMinute":{"LOCAL":"0.00851"}}', /^RATE_CARD voicePerMinute\.LOCAL: must be a non-negative amount with at most 4 decimals$/],
    ['{"smsPerSegment":{"default":-1}}', /^RATE_CARD smsPerSegment\.default: must be a non-negative amount/],
    ['{"voicePerMinute":{"LANDLINE":"0.01"}}', /^RATE_CARD voicePerMinute\.LANDLINE: is not a number type/],
    ['{"countries":{"USA":{}}}', /^RATE_CARD countries\.USA: /],
    ['{"currency":"dollars"}', /^RATE_CARD currency: must be an ISO 4217 code/],
    ['{"voicePerMinut":{}}', /^RATE_CARD: Unrecognized key: "voicePerMinut"$/],
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseRateCard(input), { name: 'RateCardError', message }, input)
  }
  t.ok(new RateCardError('x') instanceof Error)
})
