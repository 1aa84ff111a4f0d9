/**
 * Slow clients (slowloris: headers or a body trickled a byte at a time) are cut off after the
 * configured timeouts, never hold more than the connection cap, and meanwhile signed webhooks
 * and /health/live keep being answered. Loopback only; a bounded number of connections, each
 * ended by the server's timeouts or by the test's teardown.
 */
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import twilio from 'twilio'
import { Agent, request } from 'undici'
import { buildTestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { formBody, TEST_BASE, TEST_TOKEN, twilioEnv, voiceParams } from '../helpers/twilio.js'

const HEADERS_TIMEOUT_MS = 2_000
const REQUEST_TIMEOUT_MS = 3_000
const MAX_CONNECTIONS = 150
const TRICKLE_MS = 250
const DECLARED_BODY = 100_000

interface SlowClient {
  /** What the server sent back. */
  received: () => string
  /** Bytes of the request written after the opening part. */
  trickled: () => number
  isClosed: () => boolean
  closed: Promise<void>
}

/**
 * A client that opens a request and then sends one byte every TRICKLE_MS, forever: either the
 * body of a request declaring DECLARED_BODY bytes, or an endless header line.
 */
function slowClient(t: Test, port: number, kind: 'body' | 'headers'): SlowClient {
  const socket: Socket = connect(port, '127.0.0.1')
  let received = ''
  let trickled = 0
  let closed = false
  let timer: NodeJS.Timeout | undefined
  socket.on('connect', () => {
    socket.write(
      kind === 'body'
        ? `POST /twilio/voice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${DECLARED_BODY}\r\n\r\n`
        : 'POST /twilio/voice HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
    )
    timer = setInterval(() => {
      if (!socket.writable) return
      socket.write('a')
      trickled++
    }, TRICKLE_MS)
  })
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
  socket.on('error', () => {})
  const done = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true
      clearInterval(timer)
      resolve()
    }),
  )
  t.teardown(() => {
    clearInterval(timer)
    socket.destroy()
  })
  return { received: () => received, trickled: () => trickled, isClosed: () => closed, closed: done }
}

function connections(server: { getConnections(cb: (err: Error | null, count: number) => void): void }): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count))))
}

function signedWebhook(base: string, dispatcher: Agent) {
  const params = voiceParams('+14155550170', '+12125550100')
  return request(`${base}/twilio/voice`, {
    method: 'POST',
    dispatcher,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TOKEN, `${TEST_BASE}/twilio/voice`, params as Record<string, string>),
    },
    body: formBody(params),
  })
}

t.test('slow clients are cut off and capped while signed webhooks keep being answered', async (t) => {
  const app = await buildTestApp(t, {
    ...twilioEnv,
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`

  t.test('while 100 slow clients hold connections, webhooks and /health/live are answered; then the slow ones are cut off', async (t) => {
    const slow = Array.from({ length: 100 }, (_, i) => slowClient(t, port, i % 2 === 0 ? 'body' : 'headers'))
    await eventually(async () => (await connections(app.server)) >= slow.length, 10_000, 'the slow clients to connect')

    const agent = new Agent({ connections: 4 })
    for (let i = 0; i < 20; i++) {
      const res = await signedWebhook(base, agent)
      t.equal(res.statusCode, 200)
      t.match(await res.body.text(), /^<\?xml[^>]*\?><Response><Reject/)
    }
    const live = await request(`${base}/health/live`, { dispatcher: agent })
    t.equal(live.statusCode, 200)
    await live.body.dump()
    t.equal(slow.filter((c) => c.isClosed()).length, 0, 'the slow clients were still connected meanwhile')
    await agent.close()

    await Promise.all(slow.map((c) => c.closed))
    for (const [i, client] of slow.entries()) {
      // The server ended each one with a 408 while the client still had more to send.
      t.match(client.received(), /^HTTP\/1\.1 408 /, `slow client ${i} was answered 408`)
      if (i % 2 === 0) t.ok(client.trickled() < DECLARED_BODY, `slow client ${i} was cut off before its body was complete`)
    }
    t.equal(await connections(app.server), 0, 'no connection is left behind')
  })

  t.test('connections beyond the cap are closed at once, and the server answers again once the slow ones time out', async (t) => {
    const extra = 30
    const held = Array.from({ length: MAX_CONNECTIONS }, () => slowClient(t, port, 'headers'))
    await eventually(async () => (await connections(app.server)) === MAX_CONNECTIONS, 10_000, 'the cap to fill')
    const refused = Array.from({ length: extra }, () => slowClient(t, port, 'headers'))
    await Promise.all(refused.map((c) => c.closed))
    t.equal(refused.filter((c) => c.received() === '').length, extra, 'each connection beyond the cap was closed without an answer')
    t.equal(held.filter((c) => c.isClosed()).length, 0, 'the connections within the cap were kept meanwhile')
    t.equal(await connections(app.server), MAX_CONNECTIONS, 'the server never held more than the cap')

    await Promise.all(held.map((c) => c.closed))
    const agent = new Agent({ connections: 1 })
    t.teardown(() => agent.close())
    const res = await signedWebhook(base, agent)
    t.equal(res.statusCode, 200, 'a signed webhook is answered once the slow clients are gone')
    await res.body.dump()
  })
})
