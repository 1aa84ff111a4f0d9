import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { markOverdueInvoices } from '../billing/invoices/overdue.js'

const FIRST_RUN_MS = 60_000
const DAY_MS = 86_400_000

/**
 * The daily billing chore: unpaid invoices past their due date become OVERDUE. Every instance
 * runs it; that is safe because the marking is one UPDATE ... RETURNING, so two runs never mark
 * (or notify about) the same invoice twice. Issuing invoices stays an explicit act
 * (`npm run billing:invoice -- --period previous` from a monthly cron, or the admin route).
 */
async function billingJobsPlugin(app: FastifyInstance) {
  const run = () => {
    markOverdueInvoices(app.db.prisma)
      .then((marked) => {
        if (marked.length > 0) app.log.info({ invoices: marked.length }, 'invoices marked overdue')
      })
      .catch((err: unknown) => app.log.warn({ err }, 'could not mark overdue invoices'))
  }
  let timer: NodeJS.Timeout | undefined
  const first = setTimeout(() => {
    run()
    timer = setInterval(run, DAY_MS).unref()
  }, FIRST_RUN_MS).unref()
  app.addHook('onClose', async () => {
    clearTimeout(first)
    if (timer) clearInterval(timer)
  })
}

export default fp(billingJobsPlugin, { name: 'did-edge-billing-jobs', fastify: '5.x', dependencies: ['did-edge-database'] })
