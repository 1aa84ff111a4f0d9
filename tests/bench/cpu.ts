// CPU time per process, read from /proc, so the benchmark can say where each answered call's
// CPU went (did-edge's server, its ingest worker, Postgres, Redis). On two cores shared by all of
// them and the load generator, requests/s alone cannot say which part to make cheaper.
import { readdirSync, readFileSync } from 'node:fs'

/** CPU milliseconds (user + system) of every process, by pid. Empty where /proc is missing. */
export type CpuSnapshot = Map<number, { name: string; ms: number }>

const TICK_MS = 10 // USER_HZ is 100 on Linux

export function cpuSnapshot(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map()
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
  } catch {
    return snapshot
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // The name is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(')')
      const name = stat.slice(stat.indexOf('(') + 1, close)
      const fields = stat.slice(close + 2).split(' ')
      const ticks = Number(fields[11]) + Number(fields[12]) // utime + stime
      snapshot.set(Number(pid), { name, ms: ticks * TICK_MS })
    } catch {
      // The process ended between listing and reading.
    }
  }
  return snapshot
}

/**
 * CPU milliseconds spent between two snapshots by each named group: a group is a set of pids
 * (a process the benchmark started) or a process name (`postgres`, `redis-server`), whose
 * processes are summed, including those that started in between.
 */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  groups: Record<string, { pids?: (number | undefined)[]; name?: string }>,
): Record<string, number> {
  const spent: Record<string, number> = {}
  for (const [label, { pids, name }] of Object.entries(groups)) {
    let ms = 0
    for (const [pid, now] of after) {
      const member = (pids !== undefined && pids.includes(pid)) || (name !== undefined && now.name === name)
      if (member) ms += now.ms - (before.get(pid)?.ms ?? 0)
    }
    spent[label] = ms
  }
  return spent
}
