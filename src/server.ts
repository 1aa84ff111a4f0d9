import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { build } from './app.js'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { computeSignature } from './webhooks/signature.js'

/** How long shutdown may take before the process gives up waiting and exits non-zero. */
const SHUTDOWN_DEADLINE_MS = 10_000

/** A curl that posts a voice webhook for a new call, signed with this run's auth token. */
function signedVoiceCurl(config: AppConfig, address: string, to: string): string {
  const params = {
    AccountSid: config.twilio.accountSid ?? `AC${'0'.repeat(32)}`,
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: '+12125550142',
    To: to,
  }
  const token = config.twilio.authTokens[0] as string
  const signature = computeSignature(token, `${config.publicBaseUrl}/twilio/voice`, params)
  return `curl -s -H 'X-Twilio-Signature: ${signature}' -d '${new URLSearchParams(params).toString()}' ${address}/twilio/voice`
}

function banner(app: FastifyInstance, config: AppConfig, address: string, metricsAddress: string | undefined): string {
  const lines = [`did-edge listening on ${address} (public URL ${config.publicBaseUrl})`]
  if (metricsAddress !== undefined) lines.push(`metrics served on ${metricsAddress}/metrics (METRICS_PORT)`)
  if (config.twilio.authTokenGenerated) {
    lines.push(`Twilio auth token generated for this run (development only): ${config.twilio.authTokens[0]}`)
  }
  if (app.demo !== null) {
    lines.push(
      `Demo admin ${app.demo.email}, demo number ${app.demo.phoneNumber}. API key for this run (shown once):`,
      `  ${app.demo.apiKey}`,
      'Try:',
      `  curl -s -H 'Authorization: Bearer ${app.demo.apiKey}' ${address}/api/v1/users/me`,
      'Explain how the demo number routes a call (a VIP caller here):',
      `  curl -s -H 'Authorization: Bearer ${app.demo.apiKey}' -H 'content-type: application/json' \\`,
      `    -d '{"call":{"from":"+12125550142"}}' ${address}/api/v1/numbers/${app.demo.numberId}/simulate`,
      'Post a signed voice webhook to the demo number, as Twilio would, and see its TwiML:',
      `  ${signedVoiceCurl(config, address, app.demo.phoneNumber)}`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  let config: AppConfig
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`did-edge: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const app = await build(config)
  // Before the main port opens, so the public /metrics is never served when METRICS_PORT is set.
  const metricsAddress = config.metricsPort === undefined ? undefined : await app.listenMetrics(config.metricsPort, config.host)
  const address = await app.listen({ port: config.port, host: config.host })
  process.stdout.write(`${banner(app, config, address, metricsAddress)}\n`)

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    const deadline = setTimeout(() => {
      app.log.error('shutdown took longer than 10 s; exiting anyway')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    // Node closes idle keep-alive connections once, when closing starts; a connection whose
    // request was still in flight then stays open after answering until the client lets go.
    // Sweeping idle connections until close completes ends each one right after its answer.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
    sweep.unref()
    app.close().then(
      () => {
        app.log.info('shutdown complete')
        process.exit(0)
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`did-edge: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
