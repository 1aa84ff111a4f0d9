import { Prisma, type NumberType } from '../generated/prisma/client.js'
import type { Promotion } from './promotions.js'

type Decimal = Prisma.Decimal

/**
 * Order arithmetic, in Decimal only. Prices (Twilio's monthly price, setup fees) are taken as
 * they are; what did-edge computes (discount, tax) is rounded half-up to the cent, since that
 * is what gets charged. The invariant every order keeps, whatever happens to its numbers:
 *
 *   total = subtotal + tax - discount
 *
 * where subtotal is the sum of the fee items still delivered, the discount is the promotion's
 * share of that subtotal, and the tax is charged on what remains after the discount.
 */
export const ZERO = new Prisma.Decimal(0)

export function cents(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Prisma.Decimal.ROUND_HALF_UP)
}

/**
 * did-edge's one-off setup fee per number type. Twilio charges none (its price list is
 * monthly), so this is did-edge's own: nothing for local and mobile numbers, a fee for
 * toll-free numbers, which need verification work before they may send messages.
 */
const SETUP_FEES: Record<NumberType, string> = {
  LOCAL: '0',
  MOBILE: '0',
  TOLL_FREE: '5.00',
  INTERNATIONAL: '0',
  PREMIUM: '0',
  SHARED_COST: '0',
}

export function setupFeeOf(type: NumberType): Decimal {
  return new Prisma.Decimal(SETUP_FEES[type])
}

export interface OrderTotals {
  subtotal: Decimal
  discount: Decimal
  tax: Decimal
  total: Decimal
}

export function orderTotals(feeTotals: Decimal[], taxRate: Decimal, promotion: Promotion | null): OrderTotals {
  const subtotal = feeTotals.reduce((sum, v) => sum.plus(v), ZERO)
  const discount = promotion === null ? ZERO : cents(subtotal.times(promotion.percentOff).dividedBy(100))
  const tax = cents(subtotal.minus(discount).times(taxRate))
  return { subtotal, discount, tax, total: subtotal.plus(tax).minus(discount) }
}
