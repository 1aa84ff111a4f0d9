// The benchmark's baseline: a bare Fastify that ignores the body and answers a static TwiML
// string. did-edge's figures are reported as a share of this one's, on the same machine.
//   BARE_WORK_US: microseconds of busy CPU added to every request (npm run bench:calibrate),
//   to see what any fixed per-request cost does to requests/s and p99 on this machine.
import Fastify from 'fastify'

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+14155550123</Number></Dial></Response>'
const workNs = BigInt(Math.round(Number(process.env.BARE_WORK_US ?? 0) * 1000))

function busy(): void {
  const end = process.hrtime.bigint() + workNs
  while (process.hrtime.bigint() < end) {
    // Spinning on purpose: this stands for work a real server does per request.
  }
}

const app = Fastify({ logger: false })
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, _body, done) => done(null, null))
app.post('/twilio/voice', async (_request, reply) => {
  if (workNs > 0n) busy()
  return reply.type('text/xml').send(TWIML)
})
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`listening ${address}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
