import { Prisma, type OrderStatus, type PrismaClient } from '../generated/prisma/client.js'
import { createNotification } from '../notifications/notify.js'
import { orderTotals, ZERO } from './amounts.js'
import { failureText, FEE_TYPES, feeItemsOf, numberItems, numberMeta, type OrderWithItems } from './items.js'
import { findPromotion } from './promotions.js'

/**
 * Closes a purchase once every number is BOUGHT or FAILED: the items of failed numbers drop to
 * quantity 0 and amount 0, the discount and tax are recomputed on what was delivered, and the
 * order becomes COMPLETED (all bought), PARTIAL (some) or FAILED (none), with the reasons in
 * cancellationReason. Its owner gets a notification. One transaction: the order is never seen
 * with a status that disagrees with its amounts.
 */
export async function finalizeOrder(prisma: PrismaClient, orderId: string): Promise<OrderWithItems> {
  return prisma.$transaction(async (tx) => {
    const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, include: { orderItems: true } })
    const numbers = numberItems(order.orderItems).map(numberMeta)
    const bought = numbers.filter((n) => n.purchase === 'BOUGHT')
    const failed = numbers.filter((n) => n.purchase === 'FAILED')

    for (const n of failed) {
      const ids = [
        ...feeItemsOf(order.orderItems, n.phoneNumber).map((i) => i.id),
        ...order.orderItems.filter((i) => i.itemType === 'PHONE_NUMBER' && numberMeta(i).phoneNumber === n.phoneNumber).map((i) => i.id),
      ]
      await tx.orderItem.updateMany({ where: { id: { in: ids } }, data: { quantity: 0, totalPrice: ZERO } })
    }

    const delivered = new Set(bought.map((n) => n.phoneNumber))
    const feeTotals = order.orderItems
      .filter((i) => FEE_TYPES.includes(i.itemType))
      .filter((i) => delivered.has(i.itemType === 'PHONE_NUMBER' ? numberMeta(i).phoneNumber : ((i.metadata as { phoneNumber?: string }).phoneNumber ?? '')))
      .map((i) => i.totalPrice)
    const taxItem = order.orderItems.find((i) => i.itemType === 'TAX')
    const taxRate = new Prisma.Decimal(taxItem ? (taxItem.metadata as { rate: string }).rate : '0')
    const promotion = order.promotionCode === null ? null : (findPromotion(order.promotionCode) ?? null)
    const totals = orderTotals(feeTotals, taxRate, promotion)
    if (taxItem) await tx.orderItem.update({ where: { id: taxItem.id }, data: { unitPrice: totals.tax, totalPrice: totals.tax } })
    const discountItem = order.orderItems.find((i) => i.itemType === 'DISCOUNT')
    if (discountItem) {
      const amount = totals.discount.negated()
      await tx.orderItem.update({ where: { id: discountItem.id }, data: { unitPrice: amount, totalPrice: amount } })
    }

    const status: OrderStatus = failed.length === 0 ? 'COMPLETED' : bought.length === 0 ? 'FAILED' : 'PARTIAL'
    const now = new Date()
    const reasons = failed.map((n) => `${n.phoneNumber}: ${n.failure ? failureText(n.failure) : 'not bought'}`)
    const cancellationReason =
      failed.length === 0 ? null : `${failed.length} of ${numbers.length} number(s) could not be bought: ${reasons.join('; ')}`
    await tx.order.update({
      where: { id: orderId },
      data: {
        status,
        subtotalAmount: totals.subtotal,
        discountAmount: totals.discount,
        taxAmount: totals.tax,
        totalAmount: totals.total,
        cancellationReason,
        ...(status === 'FAILED' ? { cancelledAt: now } : { completedAt: now }),
      },
    })

    const list = bought.map((n) => n.phoneNumber).join(', ')
    await createNotification(tx, {
      userId: order.userId,
      type: 'BILLING',
      category: 'numbers',
      priority: status === 'COMPLETED' ? 'MEDIUM' : 'HIGH',
      title: status === 'FAILED' ? 'Number purchase failed' : 'Numbers purchased',
      message:
        status === 'FAILED'
          ? `Order ${order.orderNumber}: no number could be bought. ${cancellationReason}`
          : `Order ${order.orderNumber}: bought ${list} for ${totals.total.toFixed(2)} ${order.currency}.` +
            (failed.length > 0 ? ` ${cancellationReason}` : ''),
      actionUrl: `/api/v1/orders/${order.id}`,
      actionText: 'View order',
      metadata: { orderId: order.id, orderNumber: order.orderNumber, status, phoneNumbers: bought.map((n) => n.phoneNumber) },
    })
    return tx.order.findUniqueOrThrow({ where: { id: orderId }, include: { orderItems: true } })
  })
}
