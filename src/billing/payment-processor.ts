import { AppError } from '../errors.js'
import type { Payment, PaymentMethod, PaymentProcessor as ProcessorKind, Prisma } from '../generated/prisma/client.js'
import { ManualPaymentProcessor } from './processors/manual.js'

/**
 * Where money actually moves. did-edge records payments and applies them to invoices and
 * orders (src/billing/payment-recording.ts); a processor only charges and refunds. Adding a
 * card processor (Stripe, PayPal) means writing one class that implements this interface and
 * adding it to the registry below: nothing else changes.
 */

/** A processor's word on a charge or refund. PENDING: it settles later (not applied until then). */
export type ProcessorOutcome = 'SUCCEEDED' | 'FAILED' | 'PENDING'

export interface ChargeRequest {
  amount: Prisma.Decimal
  currency: string
  /** The stored method to charge, when the payment names one. */
  paymentMethod?: PaymentMethod
  /** The caller's reference of a payment that already happened (a bank transfer's reference). */
  externalId?: string
  description: string
  /** Ids of what is paid (invoiceId, orderId, billingAccountId), for the processor's records. */
  metadata: Record<string, string>
}

export interface ChargeResult {
  status: ProcessorOutcome
  /** The processor's transaction id. */
  externalId: string
  /** The processor's own status word, kept as it said it. */
  externalStatus?: string
  failureReason?: string
  processorFee?: Prisma.Decimal
}

export interface RefundRequest {
  payment: Payment
  amount: Prisma.Decimal
  metadata: Record<string, string>
}

export interface RefundResult {
  status: ProcessorOutcome
  externalId: string
  externalStatus?: string
  failureReason?: string
}

export interface PaymentProcessor {
  /**
   * True when a customer may pay through it themselves (a card charge the processor
   * authorises). False for records of money that moved outside did-edge (a bank transfer, a
   * credit granted): only administrators record those, or a customer could mark their own
   * invoice paid.
   */
  readonly customerInitiated: boolean
  charge(request: ChargeRequest): Promise<ChargeResult>
  refund(request: RefundRequest): Promise<RefundResult>
}

/** The processors this deployment can use, by the PaymentProcessor enum. */
export type PaymentProcessorRegistry = Partial<Record<ProcessorKind, PaymentProcessor>>

/** did-edge as shipped: bank transfers and credits are recorded by hand; no card processor yet. */
export function defaultPaymentProcessors(): PaymentProcessorRegistry {
  const manual = new ManualPaymentProcessor()
  return { BANK_TRANSFER: manual, CREDIT: manual }
}

/** The implementation of `kind`, or a 400 naming the processor that is not set up. */
export function processorFor(registry: PaymentProcessorRegistry, kind: ProcessorKind): PaymentProcessor {
  const processor = registry[kind]
  if (processor === undefined) {
    throw new AppError('VALIDATION_FAILED', `processor: ${kind} is not configured on this server`, [
      { path: 'processor', message: `${kind} is not configured` },
    ])
  }
  return processor
}
