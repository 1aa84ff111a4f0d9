// Load generator, run in its own process so it does not share a core's event loop with the
// server it measures. Posts correctly signed voice webhooks, each with a new CallSid, and
// prints autocannon's summary as one JSON line.
//   tsx tests/bench/load.ts <baseUrl> <authToken> <to> <seconds> <connections>
import autocannon from 'autocannon'
import twilio from 'twilio'

const [baseArg, tokenArg, toArg, seconds = '10', connections = '50'] = process.argv.slice(2)
if (!baseArg || !tokenArg || !toArg) throw new Error('usage: load.ts <baseUrl> <authToken> <to> [seconds] [connections]')
const baseUrl: string = baseArg
const token: string = tokenArg
const to: string = toArg

const url = `${baseUrl}/twilio/voice`
// Signing costs the load generator as much CPU as answering costs the server, and both share
// this machine's two cores: sign every request before the clock starts, so the generator only
// hands out prepared bodies while it measures.
const PREPARED = Number(process.env.BENCH_PREPARED ?? 250_000)

function prepare(sequence: number): { body: string; signature: string } {
  const params: Record<string, string> = {
    AccountSid: `AC${'b'.repeat(32)}`,
    ApiVersion: '2010-04-01',
    CallSid: `CA${sequence.toString(16).padStart(32, '0')}`,
    CallStatus: 'ringing',
    Called: to,
    Caller: '+12125550142',
    Direction: 'inbound',
    From: `+1212555${String(sequence % 10000).padStart(4, '0')}`,
    FromCity: 'NEW YORK',
    FromCountry: 'US',
    FromState: 'NY',
    FromZip: '10001',
    To: to,
    ToCity: 'SAN FRANCISCO',
    ToCountry: 'US',
    ToState: 'CA',
    ToZip: '94105',
  }
  return { body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(token, url, params) }
}

const prepared = Array.from({ length: PREPARED }, (_, i) => prepare(i + 1))
let sent = 0

function nextRequest(request: autocannon.Request): autocannon.Request {
  // Past the prepared set the CallSids repeat (did-edge logs each once): reported as `distinct`.
  const next = prepared[sent % PREPARED] as { body: string; signature: string }
  sent += 1
  return {
    ...request,
    method: 'POST',
    path: '/twilio/voice',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': next.signature },
    body: next.body,
  }
}

const cpuBefore = process.cpuUsage()
const result = await autocannon({
  url: baseUrl,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [{ setupRequest: nextRequest }],
})
const cpu = process.cpuUsage(cpuBefore)
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sent,
    distinct: Math.min(sent, PREPARED),
    // Its own CPU while it measured (not the signing before), for the benchmark's account.
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
)
