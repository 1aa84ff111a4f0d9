import t from 'tap'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createTestDatabase } from '../helpers/database.js'
import { testKeyPrefix } from '../helpers/redis.js'
import { postSigned, twilioEnv, voiceParams } from '../helpers/twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

const NUMBER = '+14155550150'

t.test('two instances sharing Redis route as one', async (t) => {
  const { url } = await createTestDatabase(t)
  const prefix = testKeyPrefix(t)
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO: 'false', DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: prefix, ...twilioEnv }
  const a = await build(loadConfig(env))
  t.teardown(() => a.close())
  const b = await build(loadConfig(env))
  t.teardown(() => b.close())

  const owner = await createUserWithKey(a.db.prisma)
  const forwardTo = (destination: string) => ({
    name: 'Line',
    isActive: true,
    routingRules: { defaultAction: 'forward', callerIdRules: [], geographicRules: [], timeBasedRules: [], failoverRules: [] },
    callForwarding: { destination },
  })

  t.test('a number created through one instance is routed by the other, even after being cached as unknown', async (t) => {
    const before = await postSigned(b, '/twilio/voice', voiceParams(NUMBER, '+12125550100'))
    t.match(before.body, /<Reject\/>/, 'unknown at first, and cached negatively')
    const number = (await a.inject({ method: 'POST', url: '/api/v1/numbers', headers: owner.auth, payload: numberBody({ phoneNumber: NUMBER }) })).json()
    const config = await a.inject({ method: 'POST', url: `/api/v1/numbers/${number.id}/configurations`, headers: owner.auth, payload: forwardTo('+14155550161') })
    t.equal(config.statusCode, 201)

    const deadline = Date.now() + 1000
    let body = ''
    while (Date.now() < deadline) {
      body = (await postSigned(b, '/twilio/voice', voiceParams(NUMBER, '+12125550100'))).body
      if (body.includes('+14155550161')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    t.match(body, /<Number>\+14155550161<\/Number>/, 'routed by the other instance within 1 s')

    t.test('a configuration change through one instance reaches the other within 1 s', async (t) => {
      const patched = await a.inject({
        method: 'PATCH',
        url: `/api/v1/numbers/${number.id}/configurations/${config.json().id}`,
        headers: owner.auth,
        payload: { callForwarding: { destination: '+14155550162' } },
      })
      t.equal(patched.statusCode, 200)
      const changeDeadline = Date.now() + 1000
      let after = ''
      while (Date.now() < changeDeadline) {
        after = (await postSigned(b, '/twilio/voice', voiceParams(NUMBER, '+12125550100'))).body
        if (after.includes('+14155550162')) break
        await new Promise((r) => setTimeout(r, 20))
      }
      t.match(after, /<Number>\+14155550162<\/Number>/)
    })

    t.test('both instances answer webhooks', async (t) => {
      for (const app of [a, b]) {
        const res = await postSigned(app, '/twilio/voice', voiceParams(NUMBER, '+12125550100'))
        t.equal(res.statusCode, 200)
        t.match(res.body, /<Dial/)
      }
    })
  })
})
