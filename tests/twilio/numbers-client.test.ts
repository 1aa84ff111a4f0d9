// did-edge's use of twilio-node (src/twilio/numbers.ts, prices.ts) against the fake Twilio.
import t from 'tap'
import { createTwilioClient, upstreamError } from '../../src/twilio/client.js'
import { parseCapabilities, TwilioNumbers } from '../../src/twilio/numbers.js'
import { monthlyPriceOf, PRICE_TTL_MS, PriceBook } from '../../src/twilio/prices.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'

t.test('the Twilio numbers client', async (t) => {
  const fake = await startFakeTwilio(t)
  const client = (authToken = fake.authToken) =>
    new TwilioNumbers(createTwilioClient({ accountSid: fake.accountSid, authToken, apiBaseUrl: fake.url }), fake.accountSid)
  const twilio = client()

  t.test('both domains (api and pricing) go to the configured base URL, with Basic auth', async (t) => {
    await twilio.search('US', 'local', { limit: 1 })
    await twilio.countryPrices('US')
    t.same(fake.requests.map((r) => [r.method, r.path, r.authorized]), [
      ['GET', `/2010-04-01/Accounts/${fake.accountSid}/AvailablePhoneNumbers/US/Local.json`, true],
      ['GET', '/v1/PhoneNumbers/Countries/US', true],
    ])
  })

  t.test("a wrong token is Twilio's 20003, and becomes a 502 carrying it", async (t) => {
    const err = await client('wrong').search('US', 'local', { limit: 1 }).catch((e: unknown) => e)
    const upstream = upstreamError('search numbers', err)
    t.match(upstream, { statusCode: 502, code: 'UPSTREAM_ERROR', details: { twilioCode: 20003, twilioMessage: 'Authenticate', status: 401 } })
  })

  t.test('Twilio unreachable becomes a 502 saying so', async (t) => {
    const dead = new TwilioNumbers(createTwilioClient({ accountSid: fake.accountSid, authToken: 'x', apiBaseUrl: 'http://127.0.0.1:9' }), fake.accountSid)
    const err = await dead.listOwned().catch((e: unknown) => e)
    t.match(upstreamError('list numbers', err), { statusCode: 502, message: /^Twilio could not be reached to list numbers: /, details: { twilioCode: null, status: null } })
  })

  t.test('findOwned finds exactly the number asked for, and null for one the account does not have', async (t) => {
    const owned = fake.own('+19175550111')
    fake.own('+19175550112')
    t.match(await twilio.findOwned('+19175550111'), { sid: owned.sid, accountSid: fake.accountSid, phoneNumber: '+19175550111' })
    t.equal(await twilio.findOwned('+19175550199'), null)
    t.equal(fake.requests.at(-1)?.query.PhoneNumber, '+19175550199')
  })

  t.test('listOwned follows every page', async (t) => {
    fake.maxPageSize = 1
    t.teardown(() => {
      fake.maxPageSize = 1000
    })
    const all = await twilio.listOwned()
    t.same(all.map((n) => n.phoneNumber).sort(), ['+19175550111', '+19175550112'])
  })

  t.test('capabilities are read whatever the case of their keys', async (t) => {
    t.same(parseCapabilities({ voice: true, SMS: true, MMS: false }), { voice: true, sms: true, mms: false, fax: false })
    t.same(parseCapabilities({ Voice: false, sms: true, fax: true }), { voice: false, sms: true, mms: false, fax: true })
    t.same(parseCapabilities(null), { voice: false, sms: false, mms: false, fax: false })
  })
})

t.test('the price book keeps a country for an hour, and a failure not at all', async (t) => {
  const fake = await startFakeTwilio(t)
  const twilio = new TwilioNumbers(createTwilioClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.url }), fake.accountSid)
  let now = 1_000_000
  const book = new PriceBook((c) => twilio.countryPrices(c), PRICE_TTL_MS, () => now)
  const fetches = () => fake.requestsTo('GET', /^\/v1\/PhoneNumbers\/Countries\/US$/).length

  const [a, b] = await Promise.all([book.country('US'), book.country('US')])
  t.equal(fetches(), 1, 'concurrent requests share one fetch')
  t.equal(monthlyPriceOf(a, 'LOCAL')?.amount.toString(), '1.15')
  t.equal(monthlyPriceOf(b, 'TOLL_FREE')?.amount.toString(), '2.15', '"toll free" is TOLL_FREE')
  t.equal(monthlyPriceOf(a, 'MOBILE'), null, 'no price listed')

  now += PRICE_TTL_MS - 1
  fake.prices.get('US')!.prices[0]!.currentPrice = '1.25'
  t.equal(monthlyPriceOf(await book.country('US'), 'LOCAL')?.amount.toString(), '1.15', 'still cached just before the hour')
  now += 1
  t.equal(monthlyPriceOf(await book.country('US'), 'LOCAL')?.amount.toString(), '1.25', 'fetched again after an hour')
  t.equal(fetches(), 2)

  fake.fail({ method: 'GET', path: /Countries\/CA$/, status: 503, code: 20503, message: 'down', times: 1 })
  fake.prices.set('CA', { country: 'Canada', priceUnit: 'USD', prices: [{ numberType: 'local', basePrice: '1.3', currentPrice: '1.3' }] })
  await t.rejects(book.country('CA'))
  t.equal(monthlyPriceOf(await book.country('CA'), 'LOCAL')?.amount.toString(), '1.3', 'the failure was not cached')
})
