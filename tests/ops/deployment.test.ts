// The deployment files agree with each other and with the code, since Docker cannot build or run
// them here: docker-compose.yml's services, the targets prometheus.yml scrapes, the files the
// stack mounts, the entry points the image and the worker run, and the Dockerfile's build
// context.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ROOT } from './promql.js'

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  depends_on?: Record<string, { condition: string }> | string[]
  healthcheck?: { test: string[] }
}

async function compose(): Promise<{ services: Record<string, Service> }> {
  // `<<: *anchor` merges: the services share one definition of the image and environment.
  return parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true })
}

/** The compiled file `node` runs for a TypeScript source, per tsconfig's rootDir and outDir. */
async function compiledPath(source: string): Promise<string> {
  const { compilerOptions } = JSON.parse(await readFile(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } }
  return path.posix.join(compilerOptions.outDir, path.posix.relative(compilerOptions.rootDir, source)).replace(/\.ts$/, '.js')
}

t.test('the stack has two did-edge instances and a worker of one image, Postgres 16, Redis 7, Prometheus and Grafana', async (t) => {
  const { services } = await compose()
  for (const name of ['did-edge-1', 'did-edge-2', 'worker', 'postgres', 'redis', 'prometheus', 'grafana']) t.ok(services[name], `service ${name}`)
  t.match(services.postgres?.image, /^postgres:16\b/)
  t.match(services.redis?.image, /^redis:7\b/)
  const image = services['did-edge-1']?.image
  for (const name of ['did-edge-1', 'did-edge-2', 'worker']) {
    const service = services[name] as Service
    t.equal(service.image, image, `${name} runs the did-edge image`)
    t.equal(service.build, '.', `${name} builds it from this Dockerfile`)
    t.match(service.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
  }
  const env = (name: string) => services[name]?.environment ?? {}
  for (const variable of ['JWT_SECRET', 'TWILIO_AUTH_TOKEN', 'PUBLIC_BASE_URL', 'DATABASE_URL', 'REDIS_URL']) {
    t.ok(env('did-edge-1')[variable], `${variable} is set`)
    t.equal(env('did-edge-2')[variable], env('did-edge-1')[variable], `${variable} is the same on both instances`)
  }
  t.equal(env('did-edge-1').NODE_ENV, 'production')
})

t.test('the worker runs the compiled src/worker.ts, and the image the compiled src/server.ts', async (t) => {
  const { services } = await compose()
  const [node, script] = services.worker?.command ?? []
  t.equal(node, 'node')
  t.equal(script, await compiledPath('src/worker.ts'))
  t.ok(existsSync(path.join(ROOT, 'src/worker.ts')))
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8')
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)
  t.ok(cmd, 'CMD in exec form')
  t.same(JSON.parse(cmd?.[1] ?? '[]'), ['node', await compiledPath('src/server.ts')], 'node directly, so SIGTERM reaches it')
})

t.test('Prometheus scrapes every did-edge process on the port it serves /metrics on, and loads the rules Compose mounts', async (t) => {
  const { services } = await compose()
  const config = parse(await readFile(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8')) as {
    rule_files: string[]
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[]
  }
  const targets = new Map<string, string>()
  for (const job of config.scrape_configs) {
    for (const target of job.static_configs.flatMap((s) => s.targets)) targets.set(target, job.job_name)
  }
  for (const name of ['did-edge-1', 'did-edge-2', 'worker']) {
    const env = services[name]?.environment ?? {}
    // METRICS_PORT moves /metrics off the main port; without it /metrics is on PORT (3000).
    const port = env.METRICS_PORT ?? env.PORT ?? '3000'
    t.match(targets.get(`${name}:${port}`), /^did-edge/, `${name}:${port} is scraped by a did-edge job`)
  }
  for (const [target] of targets) {
    const host = target.split(':')[0] as string
    t.ok(host === 'localhost' || services[host], `${target} is a service of the stack`)
  }
  const mounts = (services.prometheus?.volumes ?? []).map((v) => v.split(':'))
  const configMount = mounts.find(([, inside]) => inside === '/etc/prometheus/prometheus.yml')
  t.equal(configMount?.[0], './prometheus/prometheus.yml')
  for (const rules of config.rule_files) {
    const inside = path.posix.resolve('/etc/prometheus', rules)
    const mount = mounts.find(([, target]) => target === inside)
    t.equal(mount?.[0], './prometheus/alerts.yml', `${rules} is the mounted prometheus/alerts.yml`)
  }
})

t.test('every file the stack mounts exists, and Grafana finds the dashboards where its provisioning looks', async (t) => {
  const { services } = await compose()
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':')
      if (source?.startsWith('.')) t.ok(existsSync(path.join(ROOT, source)), `${name}: ${source} exists`)
    }
  }
  const provisioning = parse(await readFile(path.join(ROOT, 'grafana/provisioning/dashboards/did-edge.yml'), 'utf8')) as {
    providers: { options: { path: string } }[]
  }
  const grafanaMounts = (services.grafana?.volumes ?? []).map((v) => v.split(':'))
  t.ok(grafanaMounts.some(([source, target]) => source === './grafana/dashboards' && target === provisioning.providers[0]?.options.path))
  t.ok(grafanaMounts.some(([source, target]) => source === './grafana/provisioning' && target === '/etc/grafana/provisioning'))
})

t.test('the Dockerfile builds in stages on a Node slim image, runs as a non-root user and checks /health/ready', async (t) => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8')
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]
  t.match(image, /^node:\d+-\w+-slim$/, 'an official Node slim image')
  t.equal(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)?.length, 2, 'two stages on it')
  t.match(dockerfile, /npm ci\b/)
  t.match(dockerfile, /npm run build && npm prune --omit=dev/)
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  const users = [...runtime.matchAll(/^USER (\S+)$/gm)].map((m) => m[1])
  t.ok(users.length > 0 && users.at(-1) !== 'root' && users.at(-1) !== '0', 'the runtime stage ends as a non-root user')
  t.match(runtime, /^EXPOSE 3000$/m)
  t.match(runtime, /^HEALTHCHECK .*\n\s+CMD .*\/health\/ready/m)
})

t.test('the build context carries every file the Dockerfile copies, and no local state', async (t) => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8')
  const ignore = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  t.equal(ignore[0], '*', 'an allow-list: everything is excluded first')
  const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')))
  const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => (m[1] as string).split(/\s+/).slice(0, -1))
  t.ok(sources.length > 5, `${sources.length} sources copied from the context`)
  for (const source of sources) {
    t.ok(allowed.has(source.replace(/^\.\//, '').replace(/\/$/, '')), `${source} is in the build context`)
    t.ok(existsSync(path.join(ROOT, source)), `${source} exists`)
  }
  for (const local of ['node_modules', 'dist', 'data', '.env', 'tests', 'src/generated']) t.notOk(allowed.has(local), `${local} stays out`)
  t.ok(ignore.includes('src/generated/'), 'a local generated Prisma client stays out')
})
