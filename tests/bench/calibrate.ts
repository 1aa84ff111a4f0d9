// npm run bench:calibrate: what a fixed amount of CPU per request costs on this machine.
//
// Runs the benchmark's bare Fastify with 0, 5, 10, 20 and 40 µs of busy work added to each
// request, under the same load as `npm run bench`, and prints requests/s, p99 and the share of
// the unloaded baseline for each. It answers "how much may a webhook cost, in all, for a given
// ratio?" without did-edge in the picture: with two cores shared by the server and the load
// generator, a server that becomes the bottleneck also pays for waking the generator, so the
// ratio falls faster than the added work alone would say.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), CALIBRATE_WORK_US (default 0,5,10,20,40)
import { randomBytes } from 'node:crypto'
import { cpuBetween, cpuSnapshot } from './cpu.js'
import { load, start, stop } from './harness.js'

const loadOptions = {
  token: randomBytes(16).toString('hex'),
  to: '+14155550100',
  seconds: process.env.BENCH_SECONDS ?? '10',
  connections: process.env.BENCH_CONNECTIONS ?? '50',
}
const steps = (process.env.CALIBRATE_WORK_US ?? '0,5,10,20,40').split(',').map(Number)

let baseline: number | undefined
process.stdout.write('added work per request | requests/s | p99 | share of the first | server CPU per request\n')
for (const work of steps) {
  const server = await start(process.execPath, ['--import', 'tsx', 'tests/bench/bare-server.ts'], { BARE_WORK_US: String(work) }, /listening (\S+)/)
  try {
    const before = cpuSnapshot()
    const result = await load(server.match[1] as string, loadOptions)
    const serverMs = cpuBetween(before, cpuSnapshot(), { server: { pids: [server.child.pid] } }).server ?? 0
    baseline ??= result.requestsPerSecond
    const perRequest = (serverMs * 1000) / Math.max(1, result.ok)
    process.stdout.write(
      `${`${work} µs`.padStart(22)} | ${Math.round(result.requestsPerSecond).toLocaleString('en-US').padStart(10)} | ${`${result.p99} ms`.padStart(5)} | ${(result.requestsPerSecond / baseline).toFixed(2).padStart(18)} | ${perRequest.toFixed(0)} µs\n`,
    )
  } finally {
    await stop(server.child)
  }
}
