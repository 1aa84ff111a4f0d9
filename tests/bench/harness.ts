// What the benchmarks share: starting and stopping the processes under test, and one load run
// (tests/bench/load.ts in its own process) against a server.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))

export interface LoadResult {
  requestsPerSecond: number
  p50: number
  p99: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  sent: number
  distinct: number
  /** The load generator's own CPU while it measured. */
  cpuMs: number
}

/** Spawns a process with exactly `env` (plus PATH and HOME); resolves once its output matches `ready`. */
export function start(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) resolve({ child, match })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)))
  })
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** Drives `baseUrl` with signed voice webhooks for `seconds` over `connections`; see load.ts. */
export async function load(baseUrl: string, options: { token: string; to: string; seconds: string; connections: string }): Promise<LoadResult> {
  const args = ['--import', 'tsx', 'tests/bench/load.ts', baseUrl, options.token, options.to, options.seconds, options.connections]
  const { child, match } = await start(process.execPath, args, {}, /^(\{.*\})\n/m)
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(match[1] as string) as LoadResult
}
