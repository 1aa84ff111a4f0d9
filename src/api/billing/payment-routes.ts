import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { defaultPaymentProcessors, type PaymentProcessorRegistry } from '../../billing/payment-processor.js'
import { recordPayment, refundPayment } from '../../billing/payment-recording.js'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { paginated, paginatedSchema } from '../pagination.js'
import {
  createPaymentBodySchema,
  listPaymentsQuerySchema,
  paymentDetailSchema,
  paymentSchema,
  refundBodySchema,
  toPaymentView,
} from './payment-schemas.js'
import { getPayment, listPayments } from './payment-service.js'

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema }

/**
 * Payments and refunds. The processors are the shipped ones (bank transfer and credit records);
 * a deployment with a card processor passes its own registry.
 */
const paymentRoutes: FastifyPluginAsyncZod<{ processors?: PaymentProcessorRegistry }> = async (app, opts) => {
  const prisma = app.db.prisma
  const deps = { prisma, processors: opts.processors ?? defaultPaymentProcessors() }

  app.post(
    '/billing/payments',
    {
      config: { access: 'write:billing', audit: { action: 'CREATE', resource: 'payment' } },
      schema: {
        summary: 'Record a payment of an invoice or an order, and apply it',
        description:
          'Runs the processor, records the payment and, when it succeeded, applies it in one transaction: the invoice\'s ' +
          'amountPaid, amountDue, status (PARTIAL_PAYMENT or PAID, with paidDate) or the order\'s paymentStatus, and the ' +
          "account's balance. Customers pay their own invoices and orders through a card processor; bank transfers and " +
          'credits are recorded by administrators, for any account. More than is due is refused (400), an invoice not open ' +
          'for payment (draft, paid, cancelled) is 409, and so is an externalId already recorded for the processor. A ' +
          'declined charge is recorded with status FAILED and changes nothing else.',
        tags: ['billing'],
        body: createPaymentBodySchema,
        response: { 201: paymentSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const payment = await recordPayment(deps, request.principal, request.body)
      const view = toPaymentView(payment, undefined)
      request.audit.resourceId = payment.id
      request.audit.newValues = view
      return reply.code(201).send(view)
    },
  )

  app.post(
    '/billing/payments/:id/refund',
    {
      config: { access: 'write:billing', audit: { action: 'REFUND', resource: 'payment' } },
      schema: {
        summary: 'Refund part or all of a payment (administrators)',
        description:
          'The processor pays the amount back; a refund row (negative amount) is recorded; the payment becomes ' +
          'PARTIAL_REFUND or REFUNDED; its invoice owes the amount again (PAID → PARTIAL_PAYMENT, or SENT / OVERDUE when ' +
          "nothing paid remains) or its order's paymentStatus follows; the account balance is recomputed. All refunds of " +
          'a payment together never exceed it (400); a payment that is not SUCCEEDED or PARTIAL_REFUND is 409.',
        tags: ['billing'],
        params: idParamsSchema,
        body: refundBodySchema,
        response: { 200: paymentDetailSchema, ...errors, 409: errorBodySchema, 502: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous } = await refundPayment(deps, request.principal, request.params.id, request.body.amount)
      request.audit.oldValues = { status: previous.status, refundedAmount: previous.refundedAmount.toFixed(4) }
      const { payment, refunds, refunded } = await getPayment(prisma, request.principal, request.params.id)
      const view = toPaymentView(payment, refunded.get(payment.id))
      request.audit.newValues = { status: view.status, refundedAmount: view.refundedAmount, refund: request.body.amount }
      return { ...view, refunds: refunds.map((r) => toPaymentView(r, undefined)) }
    },
  )

  app.get(
    '/billing/payments',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'Payments and refunds, newest first',
        description: 'Filters combine with AND. Refunds are rows of their own (kind REFUND, negative amount).',
        tags: ['billing'],
        querystring: listPaymentsQuerySchema,
        response: { 200: paginatedSchema(paymentSchema), ...errors },
      },
    },
    async (request) => {
      const { rows, refunded, total } = await listPayments(prisma, request.principal, request.query)
      return paginated(
        rows.map((p) => toPaymentView(p, refunded.get(p.id))),
        request.query,
        total,
      )
    },
  )

  app.get(
    '/billing/payments/:id',
    {
      config: { access: 'read:billing' },
      schema: {
        summary: 'One payment (or refund), with its refunds',
        tags: ['billing'],
        params: idParamsSchema,
        response: { 200: paymentDetailSchema, ...errors },
      },
    },
    async (request) => {
      const { payment, refunds, refunded } = await getPayment(prisma, request.principal, request.params.id)
      return { ...toPaymentView(payment, refunded.get(payment.id)), refunds: refunds.map((r) => toPaymentView(r, undefined)) }
    },
  )
}

export default paymentRoutes
