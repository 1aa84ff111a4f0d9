import { randomUUID } from 'node:crypto'
import type { ChargeRequest, ChargeResult, PaymentProcessor, RefundRequest, RefundResult } from '../payment-processor.js'

/**
 * Payments that moved outside did-edge and are recorded by an administrator: a bank transfer
 * that arrived, a credit granted (goodwill, a credit note), a refund paid back by hand. There
 * is nothing to authorise, so a charge or refund is SUCCEEDED at once. The transaction id is
 * the reference the administrator gave (the bank's), or a generated `manual_…` one.
 */
export class ManualPaymentProcessor implements PaymentProcessor {
  readonly customerInitiated = false

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    return { status: 'SUCCEEDED', externalId: request.externalId ?? `manual_${randomUUID()}`, externalStatus: 'recorded' }
  }

  async refund(_request: RefundRequest): Promise<RefundResult> {
    return { status: 'SUCCEEDED', externalId: `manual_refund_${randomUUID()}`, externalStatus: 'recorded' }
  }
}
