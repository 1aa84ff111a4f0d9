import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { billingAccountOwner, ensureBillingAccount } from '../../billing/accounts.js'
import { addPaymentMethod, listPaymentMethods, removePaymentMethod, updatePaymentMethod } from '../../billing/payment-methods.js'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import {
  createPaymentMethodBodySchema,
  listPaymentMethodsQuerySchema,
  paymentMethodSchema,
  toPaymentMethodView,
  updatePaymentMethodBodySchema,
} from './payment-method-schemas.js'

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema }

/** Payment methods of a billing account: the account's owner's, administrators' for any. */
const paymentMethodRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/billing/payment-methods',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: "Your billing account's payment methods, the default first",
        description: "Administrators and support may list another user's with `userId`.",
        tags: ['billing'],
        querystring: listPaymentMethodsQuerySchema,
        response: { 200: z.object({ data: z.array(paymentMethodSchema) }), ...errors },
      },
    },
    async (request) => {
      const owner = await billingAccountOwner(prisma, request.principal, request.query.userId, 'read')
      const account = await ensureBillingAccount(prisma, owner)
      return { data: (await listPaymentMethods(prisma, account.id)).map(toPaymentMethodView) }
    },
  )

  app.post(
    '/billing/payment-methods',
    {
      config: { access: 'write:billing', audit: { action: 'CREATE', resource: 'payment_method' } },
      schema: {
        summary: 'Add a payment method',
        description:
          'Only what identifies the method is kept: processor, type, the last 4 digits, brand, expiry (not in the past), ' +
          "bank name, the processor's id. A full card number is refused wherever it appears. The account's first method " +
          'becomes its default; `isDefault: true` makes a later one the default.',
        tags: ['billing'],
        body: createPaymentMethodBodySchema,
        response: { 201: paymentMethodSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { userId, ...input } = request.body
      const owner = await billingAccountOwner(prisma, request.principal, userId, 'write')
      const account = await ensureBillingAccount(prisma, owner)
      const method = toPaymentMethodView(await addPaymentMethod(prisma, account, input))
      request.audit.resourceId = method.id
      request.audit.newValues = method
      return reply.code(201).send(method)
    },
  )

  app.patch(
    '/billing/payment-methods/:id',
    {
      config: { access: 'write:billing', audit: { action: 'UPDATE', resource: 'payment_method' } },
      schema: {
        summary: 'Make a payment method the default, or change its brand, expiry or bank details',
        description:
          '`isDefault: true` unsets the previous default in the same change. `isDefault: false` on the default is refused ' +
          '(409): an account with payment methods always has one default.',
        tags: ['billing'],
        params: idParamsSchema,
        body: updatePaymentMethodBodySchema,
        response: { 200: paymentMethodSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { before, after } = await updatePaymentMethod(prisma, request.principal, request.params.id, request.body)
      const keys = Object.keys(request.body) as (keyof typeof before)[]
      request.audit.oldValues = Object.fromEntries(keys.map((k) => [k, before[k]]))
      request.audit.newValues = Object.fromEntries(keys.map((k) => [k, after[k]]))
      return toPaymentMethodView(after)
    },
  )

  app.delete(
    '/billing/payment-methods/:id',
    {
      config: { access: 'write:billing', audit: { action: 'DELETE', resource: 'payment_method' } },
      schema: {
        summary: 'Remove a payment method',
        description:
          'The method is deactivated (payments made with it keep naming it). Removing the default makes the most recently ' +
          'added remaining method the default; removing the last one turns auto-pay off.',
        tags: ['billing'],
        params: idParamsSchema,
        response: { 204: z.null().describe('Removed'), ...errors },
      },
    },
    async (request, reply) => {
      request.audit.resourceId = request.params.id
      const { removed, promoted } = await removePaymentMethod(prisma, request.principal, request.params.id)
      request.audit.oldValues = toPaymentMethodView(removed)
      request.audit.newValues = { isActive: false, promotedDefault: promoted?.id ?? null }
      return reply.code(204).send(null)
    },
  )
}

export default paymentMethodRoutes
