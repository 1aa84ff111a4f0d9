// A real webhook receiver for the tests: an HTTP server on 127.0.0.1 that checks every
// request's Standard Webhooks signature with the `standardwebhooks` package and answers as
// the test tells it to.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import type { Test } from 'tap'

export interface Received {
  id: string
  headers: IncomingHttpHeaders
  body: string
  /** The parsed body when the signature verified, else null. */
  verified: { id: string; event: string; createdAt: string; data: Record<string, unknown> } | null
  /** Why verification failed. */
  error: string | null
}

export interface Answer {
  status: number
  body?: string
  /** Milliseconds to wait before answering. */
  delayMs?: number
}

export interface Receiver {
  url: string
  requests: Received[]
  /** Requests whose signature verified, one per webhook-id (what a deduping receiver processes). */
  uniqueIds(): string[]
  /** The secret to verify with (known only after the endpoint is created). */
  secret: string | null
  answer: (request: Received, n: number) => Answer
}

/** Starts a receiver (closed when the test ends); `answer` decides each response (200 by default). */
export async function startReceiver(t: Test, answer: Receiver['answer'] = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    requests: [],
    secret: null,
    answer,
    uniqueIds: () => [...new Set(receiver.requests.filter((r) => r.verified !== null).map((r) => r.id))],
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const received: Received = { id: String(req.headers['webhook-id']), headers: req.headers, body, verified: null, error: null }
      try {
        if (receiver.secret === null) throw new Error('the receiver has no secret yet')
        received.verified = new Webhook(receiver.secret).verify(body, req.headers as Record<string, string>) as Received['verified']
      } catch (err) {
        received.error = (err as Error).message
      }
      receiver.requests.push(received)
      const reply = receiver.answer(received, receiver.requests.length)
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'text/plain' })
        res.end(reply.body ?? '')
      }, reply.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/did-edge`
  return receiver
}
