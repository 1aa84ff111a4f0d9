import { Webhook } from 'standardwebhooks'
import t from 'tap'
import { generateWebhookSecret, signedHeaders, signWebhook } from '../../src/outbound/signature.js'

t.test('a new secret is whsec_ and the base64 of 32 random bytes, different every time', async (t) => {
  const a = generateWebhookSecret()
  const b = generateWebhookSecret()
  t.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
  t.equal(Buffer.from(a.slice(6), 'base64').length, 32)
  t.not(a, b)
})

t.test('the standardwebhooks library verifies our signature and rejects a changed body, id or secret', async (t) => {
  const secret = generateWebhookSecret()
  const body = JSON.stringify({ id: 'evt_1', event: 'CALL_STARTED', createdAt: '2026-03-10T14:00:00.000Z', data: { callSid: 'CA1' } })
  const now = Math.floor(Date.now() / 1000)
  const headers = signedHeaders(secret, 'evt_1', now, body)
  t.equal(headers['content-type'], 'application/json')
  t.equal(headers['webhook-id'], 'evt_1')
  t.equal(headers['webhook-timestamp'], String(now))
  t.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
  t.same(new Webhook(secret).verify(body, headers), JSON.parse(body))
  t.throws(() => new Webhook(secret).verify(body.replace('CA1', 'CA2'), headers), /No matching signature/)
  t.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_2' }), /No matching signature/)
  t.throws(() => new Webhook(generateWebhookSecret()).verify(body, headers), /No matching signature/)
})

t.test('the signature is the one the library computes for the same message', async (t) => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const library = new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}')
  t.equal(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), library)
  // The example of the Standard Webhooks specification.
  t.equal(library, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
})
