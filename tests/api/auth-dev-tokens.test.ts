import t from 'tap'
import { request } from 'undici'
import { createTestDatabase } from '../helpers/database.js'
import { eventually } from '../helpers/eventually.js'
import { spawnServer, waitForListening } from '../helpers/server-process.js'

// In development without SMTP_URL the server writes each mail to its log instead of sending it;
// this runs the real process (as a developer would) and completes both flows with the links
// the logged mails hold.
t.test('in development without SMTP the verification and reset mails are logged, their links work, and the password never is', async (t) => {
  const { url } = await createTestDatabase(t)
  const server = spawnServer(t, { NODE_ENV: 'development', DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info', DEMO: 'false' })
  const base = await waitForListening(server)
  const post = async (path: string, body: unknown) => {
    const res = await request(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.body.text()
    return { status: res.statusCode, text }
  }
  const email = 'dev.person@example.com'
  const password = 'First-secret-pass-1'

  const registered = await post('/auth/register', { email, password, firstName: 'Dev', lastName: 'Person' })
  t.equal(registered.status, 201)
  t.notMatch(registered.text, /token/i, 'the API answer carries no token')
  const verification = await eventually(
    () => /\/verify-email\?token=([\w-]{43})/.exec(server.output())?.[1],
    10_000,
    'the verification mail in the log',
  )
  t.same(await post('/auth/verify-email', { token: verification }), { status: 200, text: '{"emailVerified":true}' })

  t.equal((await post('/auth/password-reset/request', { email })).status, 202)
  const reset = await eventually(
    () => /\/reset-password\?token=([\w-]{43})/.exec(server.output())?.[1],
    10_000,
    'the reset mail in the log',
  )
  const newPassword = 'Second-secret-pass-2'
  t.equal((await post('/auth/password-reset/confirm', { token: reset, password: newPassword })).status, 204)
  t.equal((await post('/auth/login', { email, password: newPassword })).status, 200)

  const output = server.output()
  t.notOk(output.includes(password) || output.includes(newPassword), 'no password in the log')
})
