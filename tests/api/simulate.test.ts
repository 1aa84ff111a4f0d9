import t from 'tap'
import { demoRoutingRules } from '../../src/bootstrap/demo.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const inline = {
  name: 'Draft',
  timezone: 'America/New_York',
  routingRules: demoRoutingRules,
}

// Wednesday 2026-11-25 15:00 UTC = 10:00 in New York (EST, UTC-5): inside business hours.
const wednesdayMorning = '2026-11-25T15:00:00Z'
// Sunday 2026-11-29 15:00 UTC: outside business hours.
const sunday = '2026-11-29T15:00:00Z'

t.test('routing simulation', async (t) => {
  const app = await buildTestApp(t)
  const alice = await createUserWithKey(app.db.prisma)
  const bob = await createUserWithKey(app.db.prisma)
  const simulate = (payload: object, headers = alice.auth) =>
    app.inject({ method: 'POST', url: '/api/v1/routing/simulate', headers, payload })

  t.test('an inline configuration explains a caller-ID decision in full', async (t) => {
    const res = await simulate({ configuration: inline, call: { from: '+12125550142', to: '+15005550006', at: sunday } })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(body.rule, { id: 'vip-callers', type: 'callerId', name: 'VIP callers reach the founder' })
    t.equal(body.reason, 'rule_matched')
    t.match(body.action, { type: 'forward', destination: '+14155550199' })
    t.match(body.twiml, /<Dial[^>]*><Number>\+14155550199<\/Number><\/Dial>/)
    t.equal(body.timezone, 'America/New_York')
    t.equal(body.localTime, '2026-11-29T10:00:00')
    t.match(body.caller, { e164: '+12125550142', anonymous: false, country: 'US', placeSource: 'number' })
    t.equal(body.configuration.reason, 'unscheduled')
    t.ok(Array.isArray(body.trace.rules) && body.trace.rules.length >= 1, 'the trace lists the rules tried')
    t.match(body.trace.rules[0], { id: 'vip-callers', outcome: 'matched' })
  })

  t.test('the same configuration routes by country, then by time, then to the default', async (t) => {
    const uk = (await simulate({ configuration: inline, call: { from: '+442079460000', fromCountry: 'GB', at: sunday } })).json()
    t.equal(uk.rule.id, 'uk-callers')
    t.equal(uk.caller.placeSource, 'twilio')
    const office = (await simulate({ configuration: inline, call: { from: '+13035550100', at: wednesdayMorning } })).json()
    t.equal(office.rule.id, 'business-hours')
    t.equal(office.localTime, '2026-11-25T10:00:00')
    const closed = (await simulate({ configuration: inline, call: { from: '+13035550100', at: sunday } })).json()
    t.equal(closed.rule, null)
    t.equal(closed.reason, 'default_action')
    t.equal(closed.action.type, 'voicemail')
    t.match(closed.twiml, /<Record/)
    const anonymous = (await simulate({ configuration: inline, call: { from: 'anonymous', at: sunday } })).json()
    t.equal(anonymous.rule.id, 'no-anonymous')
    t.match(anonymous.twiml, /<Reject reason="rejected"\/>/)
    t.equal(anonymous.caller.anonymous, true)
  })

  t.test('an SMS simulation answers messaging TwiML', async (t) => {
    const res = (await simulate({ configuration: inline, call: { from: '+12125550142', channel: 'sms', body: 'hi', at: sunday } })).json()
    t.equal(res.rule.id, 'vip-callers')
    t.match(res.twiml, /<Message to="\+14155550199">/)
  })

  t.test('an invalid inline configuration answers 400 with its paths', async (t) => {
    const bad = structuredClone(inline) as { routingRules: { timeBasedRules: Array<{ schedule: { timezone: string } }> } }
    bad.routingRules.timeBasedRules[0]!.schedule.timezone = 'Nowhere/Land'
    const res = await simulate({ configuration: bad, call: { from: '+13035550100' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().details[0].path, 'routingRules.timeBasedRules[0].schedule.timezone')
  })

  t.test('configuration and numberId are mutually exclusive, and one is required', async (t) => {
    t.equal((await simulate({ call: { from: '+1' } })).statusCode, 400)
    t.equal((await simulate({ configuration: inline, numberId: 'x', call: { from: '+1' } })).statusCode, 400)
  })

  t.test('a stored number is simulated with the configuration a real call would use', async (t) => {
    const number = (await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: alice.auth, payload: numberBody() })).json()
    const noConfig = await app.inject({ method: 'POST', url: `/api/v1/numbers/${number.id}/simulate`, headers: alice.auth, payload: { call: { from: '+13035550100' } } })
    t.equal(noConfig.statusCode, 200)
    t.equal(noConfig.json().reason, 'no_configuration')
    t.match(noConfig.json().twiml, /<Reject/)

    const config = await app.inject({
      method: 'POST',
      url: `/api/v1/numbers/${number.id}/configurations`,
      headers: alice.auth,
      payload: { ...inline, isActive: true },
    })
    t.equal(config.statusCode, 201)
    const viaNumber = await app.inject({
      method: 'POST',
      url: `/api/v1/numbers/${number.id}/simulate`,
      headers: alice.auth,
      payload: { call: { from: '+13035550100', at: wednesdayMorning } },
    })
    t.equal(viaNumber.statusCode, 200)
    t.equal(viaNumber.json().rule.id, 'business-hours')
    t.same(viaNumber.json().configuration, { id: config.json().id, name: 'Draft', reason: 'unscheduled' })

    const viaBody = await simulate({ numberId: number.id, call: { from: '+13035550100', at: wednesdayMorning } })
    t.same(viaBody.json(), viaNumber.json())

    t.equal((await simulate({ numberId: number.id, call: { from: '+1' } }, bob.auth)).statusCode, 404, "another tenant's number is not found")
  })
})
