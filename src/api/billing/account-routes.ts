import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import { errorBodySchema } from '../common-schemas.js'
import { accountQuerySchema, billingAccountSchema, toBillingAccountView, updateAccountBodySchema } from './account-schemas.js'
import { getBillingAccount, updateBillingAccount } from './account-service.js'
import paymentMethodRoutes from './payment-method-routes.js'
import paymentRoutes from './payment-routes.js'

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema }

/** The fields a PATCH named, as they were and as they are. */
function pick(row: object, keys: string[]): Record<string, unknown> {
  const view = row as Record<string, unknown>
  return Object.fromEntries(keys.map((k) => [k, view[k]]))
}

/**
 * Billing: the caller's billing account, payment methods and payments. Invoices are
 * src/api/billing/invoice-routes.ts.
 */
const billingAccountRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/billing/account',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'Your billing account: balance, currency, billing address, default payment method',
        description:
          'Opened on first use. `accountBalance` is what the account owes on issued, unpaid invoices. ' +
          "Administrators and support may read another user's account with `userId`.",
        tags: ['billing'],
        querystring: accountQuerySchema,
        response: { 200: billingAccountSchema, ...errors },
      },
    },
    async (request) => {
      const { account, defaultMethod } = await getBillingAccount(prisma, request.principal, request.query.userId)
      return toBillingAccountView(account, defaultMethod)
    },
  )

  app.patch(
    '/billing/account',
    {
      config: { access: 'write:billing', audit: { action: 'UPDATE', resource: 'billing_account' } },
      schema: {
        summary: "Change your billing account's address, company, tax ids, auto-pay or billing cycle",
        description: 'The billing address is replaced whole. Administrators may change another user\'s account with `userId`.',
        tags: ['billing'],
        querystring: accountQuerySchema,
        body: updateAccountBodySchema,
        response: { 200: billingAccountSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request) => {
      const { before, after } = await updateBillingAccount(prisma, request.principal, request.query.userId, request.body)
      const keys = Object.keys(request.body)
      request.audit.resourceId = after.account.id
      request.audit.oldValues = pick(toBillingAccountView(before, null), keys)
      const view = toBillingAccountView(after.account, after.defaultMethod)
      request.audit.newValues = pick(view, keys)
      return view
    },
  )

  await app.register(paymentMethodRoutes)
  await app.register(paymentRoutes)
}

export default billingAccountRoutes
