import { Prisma, type NumberType, type Order, type OrderItem, type OrderItemType } from '../generated/prisma/client.js'
import { type OrderTotals, ZERO } from './amounts.js'
import type { Promotion } from './promotions.js'

type Decimal = Prisma.Decimal

/**
 * The items of a number purchase, and the progress of each number, kept on the items
 * themselves so a purchase interrupted half-way (a crash, Twilio not answering) can be resumed
 * from the database alone.
 *
 * Per number, in the order requested:
 *   PHONE_NUMBER  the number itself, at 0: it names what is bought and carries the purchase
 *                 state (metadata.purchase) and, once bought, the Number row (itemId)
 *   MONTHLY_FEE   the first month at Twilio's monthly price; later months are invoiced
 *   SETUP_FEE     only when the number type has one (see amounts.ts)
 * then, for the whole order:
 *   DISCOUNT      when a promotion applies, as a negative amount
 *   TAX           when the tax rate is not zero
 * so the items' totalPrice always add up to the order's totalAmount. A number that could not
 * be bought keeps its items with quantity 0 and totalPrice 0 (unitPrice stays the quoted one)
 * and the reason in its PHONE_NUMBER item's description and metadata.
 */

export type OrderWithItems = Order & { orderItems: OrderItem[] }

/** PENDING: not tried. BUYING: asked Twilio, outcome not yet recorded. BOUGHT / FAILED: final. */
export type PurchaseState = 'PENDING' | 'BUYING' | 'BOUGHT' | 'FAILED'

export interface PurchaseFailure {
  reason: string
  twilioCode: number | null
  status: number | null
}

export interface NumberItemMeta {
  position: number
  phoneNumber: string
  countryCode: string
  numberType: NumberType
  areaCode: string | null
  monthlyPrice: string
  setupPrice: string
  currency: string
  friendlyName: string | null
  purchase: PurchaseState
  /** Set as soon as Twilio answers with the bought number, before its Number row exists. */
  twilioSid?: string
  failure?: PurchaseFailure
}

interface ItemMeta {
  position: number
  phoneNumber?: string
}

export interface QuotedNumber {
  phoneNumber: string
  countryCode: string
  numberType: NumberType
  areaCode: string | null
  monthlyPrice: Decimal
  setupPrice: Decimal
  currency: string
}

export const FEE_TYPES: readonly OrderItemType[] = ['PHONE_NUMBER', 'MONTHLY_FEE', 'SETUP_FEE']

const TYPE_WORDS: Record<NumberType, string> = {
  LOCAL: 'local',
  TOLL_FREE: 'toll-free',
  MOBILE: 'mobile',
  INTERNATIONAL: 'international',
  PREMIUM: 'premium',
  SHARED_COST: 'shared-cost',
}

export function numberItemDescription(meta: Pick<NumberItemMeta, 'phoneNumber' | 'numberType' | 'countryCode'>): string {
  return `Phone number ${meta.phoneNumber} (${TYPE_WORDS[meta.numberType]}, ${meta.countryCode})`
}

export function failureText(f: PurchaseFailure): string {
  const code = f.twilioCode === null ? '' : ` (Twilio error ${f.twilioCode})`
  return `${f.reason}${code}`
}

/** The items of a new order, in their display order (metadata.position). */
export function newOrderItems(
  numbers: QuotedNumber[],
  friendlyName: string | null,
  totals: OrderTotals,
  promotion: Promotion | null,
  taxRate: Decimal,
): Prisma.OrderItemCreateWithoutOrderInput[] {
  const items: Prisma.OrderItemCreateWithoutOrderInput[] = []
  const push = (itemType: OrderItemType, description: string, amount: Decimal, metadata: object) =>
    items.push({
      itemType,
      description,
      quantity: 1,
      unitPrice: amount,
      totalPrice: amount,
      metadata: { position: items.length, ...metadata } as Prisma.InputJsonObject,
    })
  for (const n of numbers) {
    const meta: Omit<NumberItemMeta, 'position'> = {
      phoneNumber: n.phoneNumber,
      countryCode: n.countryCode,
      numberType: n.numberType,
      areaCode: n.areaCode,
      monthlyPrice: n.monthlyPrice.toString(),
      setupPrice: n.setupPrice.toString(),
      currency: n.currency,
      friendlyName,
      purchase: 'PENDING',
    }
    push('PHONE_NUMBER', numberItemDescription(n), ZERO, meta)
    push('MONTHLY_FEE', `Monthly fee for ${n.phoneNumber}, first month`, n.monthlyPrice, { phoneNumber: n.phoneNumber })
    if (n.setupPrice.greaterThan(0)) push('SETUP_FEE', `Setup fee for ${n.phoneNumber}`, n.setupPrice, { phoneNumber: n.phoneNumber })
  }
  if (promotion !== null) {
    push('DISCOUNT', `Promotion ${promotion.code} (${promotion.percentOff} % off)`, totals.discount.negated(), {
      promotionCode: promotion.code,
      percentOff: promotion.percentOff,
    })
  }
  if (!taxRate.isZero()) push('TAX', `Tax (${taxRate.times(100).toString()} %)`, totals.tax, { rate: taxRate.toString() })
  return items
}

function metaOf(item: OrderItem): ItemMeta {
  return (item.metadata ?? { position: 0 }) as unknown as ItemMeta
}

export function numberMeta(item: OrderItem): NumberItemMeta {
  return item.metadata as unknown as NumberItemMeta
}

/** The items in the order they were created in. */
export function sortedItems(items: OrderItem[]): OrderItem[] {
  return [...items].sort((a, b) => metaOf(a).position - metaOf(b).position)
}

export function numberItems(items: OrderItem[]): OrderItem[] {
  return sortedItems(items).filter((i) => i.itemType === 'PHONE_NUMBER')
}

/** The fee items (monthly, setup) of one number. */
export function feeItemsOf(items: OrderItem[], phoneNumber: string): OrderItem[] {
  return items.filter((i) => i.itemType !== 'PHONE_NUMBER' && FEE_TYPES.includes(i.itemType) && metaOf(i).phoneNumber === phoneNumber)
}
