import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey } from '../helpers/users.js'

t.test('GET /available-numbers', async (t) => {
  const fake = await startFakeTwilio(t)
  fake.addAvailable(
    { phoneNumber: '+14155550100', friendlyName: '(415) 555-0100', locality: 'San Francisco', region: 'CA', postalCode: '94103' },
    { phoneNumber: '+14155550111', locality: 'San Francisco', region: 'CA', postalCode: '94107', capabilities: { voice: true, sms: false, mms: false, fax: false } },
    { phoneNumber: '+12125550122', locality: 'New York', region: 'NY', postalCode: '10001' },
    { phoneNumber: '+18005550133', kind: 'TollFree' },
    { phoneNumber: '+14155550199', kind: 'Mobile' },
  )
  const app = await buildTestApp(t, fake.env)
  const alice = await createUserWithKey(app.db.prisma)
  const search = (query: string, headers: Record<string, string> = alice.auth) =>
    app.inject({ url: `/api/v1/available-numbers?${query}`, headers })

  t.test('lists the numbers Twilio offers with capabilities and the monthly price from the price list', async (t) => {
    const res = await search('country=US&type=local&areaCode=415')
    t.equal(res.statusCode, 200)
    t.same(res.json().data, [
      {
        phoneNumber: '+14155550100',
        friendlyName: '(415) 555-0100',
        locality: 'San Francisco',
        region: 'CA',
        postalCode: '94103',
        isoCountry: 'US',
        capabilities: { voice: true, sms: true, mms: true, fax: false },
        monthlyPrice: '1.15',
        currency: 'USD',
      },
      {
        phoneNumber: '+14155550111',
        friendlyName: '+14155550111',
        locality: 'San Francisco',
        region: 'CA',
        postalCode: '94107',
        isoCountry: 'US',
        // The fake answers with Twilio's spelling (upper-case SMS/MMS): read case-insensitively.
        capabilities: { voice: true, sms: false, mms: false, fax: false },
        monthlyPrice: '1.15',
        currency: 'USD',
      },
    ])
  })

  t.test('every filter reaches Twilio under its Twilio name, with the right account and credentials', async (t) => {
    const before = fake.requests.length
    const res = await search('country=US&type=local&areaCode=415&contains=555*1&region=CA&locality=San%20Francisco&postalCode=94107&sms=false&voice=true&limit=5')
    t.equal(res.statusCode, 200)
    t.same(res.json().data.map((n: { phoneNumber: string }) => n.phoneNumber), ['+14155550111'])
    const [sent] = fake.requests.slice(before).filter((r) => r.path.includes('AvailablePhoneNumbers'))
    t.equal(sent?.path, `/2010-04-01/Accounts/${fake.accountSid}/AvailablePhoneNumbers/US/Local.json`)
    t.equal(sent?.authorized, true, 'Basic auth with the account SID and token')
    t.same(sent?.query, {
      AreaCode: '415',
      Contains: '555*1',
      InRegion: 'CA',
      InLocality: 'San Francisco',
      InPostalCode: '94107',
      SmsEnabled: 'false',
      VoiceEnabled: 'true',
      PageSize: '5',
    })
  })

  t.test('toll-free searches use the TollFree resource and its price', async (t) => {
    const res = await search('type=tollFree')
    t.equal(res.statusCode, 200)
    t.match(res.json().data, [{ phoneNumber: '+18005550133', monthlyPrice: '2.15', currency: 'USD' }])
    t.equal(res.json().data.length, 1)
    t.equal(fake.requestsTo('GET', /\/AvailablePhoneNumbers\/US\/TollFree\.json$/).length, 1)
  })

  t.test("a type Twilio lists no price for comes back with a null price", async (t) => {
    const res = await search('type=mobile')
    t.equal(res.statusCode, 200)
    t.match(res.json().data, [{ phoneNumber: '+14155550199', monthlyPrice: null, currency: 'USD' }])
  })

  t.test('prices are fetched once per country and then served from the cache', async (t) => {
    await search('areaCode=212')
    await search('areaCode=415')
    t.equal(fake.requestsTo('GET', /^\/v1\/PhoneNumbers\/Countries\/US$/).length, 1)
  })

  t.test("a Twilio error answers 502 with Twilio's code, message and status", async (t) => {
    fake.fail({ method: 'GET', path: /AvailablePhoneNumbers\/US\/Local\.json$/, status: 400, code: 21452, message: 'No phone numbers found for area code 999', times: 1 })
    const res = await search('areaCode=999')
    t.equal(res.statusCode, 502)
    t.match(res.json(), {
      code: 'UPSTREAM_ERROR',
      message: /No phone numbers found for area code 999 \(Twilio error 21452, HTTP 400\)/,
      details: { twilioCode: 21452, twilioMessage: 'No phone numbers found for area code 999', status: 400 },
    })
  })

  t.test("a country Twilio does not sell in answers 502 with Twilio's 20404", async (t) => {
    const res = await search('country=ZZ')
    t.equal(res.statusCode, 502)
    t.equal(res.json().details.twilioCode, 20404)
  })

  t.test('bad filters answer 400 naming the parameter, before Twilio is asked', async (t) => {
    const before = fake.requests.length
    const cases: Array<[string, RegExp]> = [
      ['country=us', /^querystring\.country: /],
      ['type=premium', /^querystring\.type: /],
      ['areaCode=41', /^querystring\.areaCode: must be a three-digit area code/],
      ['contains=5', /^querystring\.contains: /],
      ['sms=yes', /^querystring\.sms: must be true or false/],
      ['limit=51', /^querystring\.limit: /],
      ['nearNumber=%2B14155550100', /nearNumber/],
    ]
    for (const [query, message] of cases) {
      const res = await search(query)
      t.equal(res.statusCode, 400, query)
      t.match(res.json().message, message, query)
    }
    t.equal(fake.requests.length, before)
  })

  t.test('a key without read:numbers answers 403', async (t) => {
    const billingOnly = await createUserWithKey(app.db.prisma, 'USER', ['read:billing'])
    t.equal((await search('areaCode=415', billingOnly.auth)).statusCode, 403)
  })
})

t.test('without Twilio configured the search answers 503 naming what is missing', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const res = await app.inject({ url: '/api/v1/available-numbers?areaCode=415', headers: alice.auth })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'SERVICE_UNAVAILABLE', message: /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/ })
})
