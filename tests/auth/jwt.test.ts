import t from 'tap'
import { looksLikeJwt, signAccessToken, verifyAccessToken } from '../../src/auth/jwt.js'

const secret = 'a-test-secret-that-is-long-enough-123'
const now = Date.UTC(2026, 10, 25, 12, 0, 0)

t.test('a token this server signed verifies and carries its claims', async (t) => {
  const token = signAccessToken(secret, { sub: 'user-1', sid: 'session-1' }, 900, now)
  t.ok(looksLikeJwt(token))
  t.same(verifyAccessToken(secret, token, now + 1000), { sub: 'user-1', sid: 'session-1', iat: now / 1000, exp: now / 1000 + 900 })
})

t.test('a token is refused once it has expired', async (t) => {
  const token = signAccessToken(secret, { sub: 'u', sid: 's' }, 60, now)
  t.ok(verifyAccessToken(secret, token, now + 59_000))
  t.equal(verifyAccessToken(secret, token, now + 60_000), undefined)
})

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

t.test('tampered, foreign and malformed tokens are refused', async (t) => {
  const token = signAccessToken(secret, { sub: 'user-1', sid: 'session-1' }, 900, now)
  const [header, , signature] = token.split('.')
  const forged = `${header}.${b64({ sub: 'admin', sid: 'session-1', iat: now / 1000, exp: now / 1000 + 900 })}.${signature}`
  const cases: Array<[string, string]> = [
    ['a payload changed after signing', forged],
    ['a token signed with another secret', signAccessToken('another-secret-of-enough-length-000', { sub: 'u', sid: 's' }, 900, now)],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`],
    ['a truncated signature', token.slice(0, -4)],
    ['two segments', token.split('.').slice(0, 2).join('.')],
    ['garbage', 'not-a-token'],
    ['claims of the wrong types', `${header}.${b64({ sub: 1, sid: 's', iat: 0, exp: 'never' })}.${signature}`],
  ]
  for (const [name, candidate] of cases) t.equal(verifyAccessToken(secret, candidate, now), undefined, name)
})

t.test('API keys are never mistaken for access tokens', async (t) => {
  t.notOk(looksLikeJwt('dek_3kqAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abc'))
  t.notOk(looksLikeJwt('an.operator.key-with-dots'))
})
