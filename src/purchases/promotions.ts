import { validationFailed } from '../errors.js'

/**
 * The promotion codes a purchase accepts. A code takes a percentage off the order's subtotal
 * (before tax). Kept in code on purpose: there is no promotions table in the data model, and
 * a handful of fixed codes needs none; codes are matched case-insensitively.
 */
export interface Promotion {
  code: string
  percentOff: number
  description: string
}

const PROMOTIONS: readonly Promotion[] = [
  { code: 'WELCOME10', percentOff: 10, description: '10 % off a first order' },
  { code: 'LAUNCH25', percentOff: 25, description: '25 % off during the launch' },
]

export function findPromotion(code: string): Promotion | undefined {
  const wanted = code.trim().toUpperCase()
  return PROMOTIONS.find((p) => p.code === wanted)
}

/** The promotion a purchase names, or a 400 naming the field when there is no such code. */
export function requirePromotion(code: string): Promotion {
  const promotion = findPromotion(code)
  if (promotion === undefined) {
    throw validationFailed(`promotionCode: unknown promotion code "${code}"`, [{ path: 'promotionCode', message: 'unknown promotion code' }])
  }
  return promotion
}
