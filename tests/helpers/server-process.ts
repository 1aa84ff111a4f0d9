import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>
}

/**
 * Runs `src/server.ts` as its own process, with exactly the given environment (plus PATH and
 * HOME), the way an operator starts it. The process is killed when the test ends.
 */
export function spawnServer(t: { teardown: (fn: () => void) => void }, env: Record<string, string>): ServerProcess {
  return spawnScript(t, 'src/server.ts', env)
}

/** The same for any entry point of the project (e.g. `src/worker.ts`). */
export function spawnScript(t: { teardown: (fn: () => void) => void }, script: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, output: () => output, exited }
}

/** Waits for the start-up banner and returns the base URL the server listens on. */
export async function waitForListening(server: ServerProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const match = /did-edge listening on (http:\/\/[^\s]+)/.exec(server.output())
    if (match?.[1]) return match[1]
    if (server.child.exitCode !== null) throw new Error(`server exited early:\n${server.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`server did not start in time:\n${server.output()}`)
}
