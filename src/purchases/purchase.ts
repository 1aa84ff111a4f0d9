import type { BillingAddress } from '../billing/billing-address.js'
import { isUniqueViolation } from '../db/errors.js'
import { AppError, conflict } from '../errors.js'
import { recordDomainEvent } from '../events/domain-events.js'
import { Prisma, type Order, type OrderItem, type PrismaClient } from '../generated/prisma/client.js'
import { twilioRefusal, upstreamError } from '../twilio/client.js'
import { capabilityList, type OwnedNumber, type TwilioNumbers } from '../twilio/numbers.js'
import type { PriceBook } from '../twilio/prices.js'
import { effectiveWebhookConfig, newNumberWebhookColumns } from '../twilio/webhook-urls.js'
import { orderTotals } from './amounts.js'
import { finalizeOrder } from './finalize.js'
import {
  failureText,
  feeItemsOf,
  newOrderItems,
  numberItemDescription,
  type NumberItemMeta,
  numberItems,
  type OrderWithItems,
  numberMeta,
  type PurchaseFailure,
} from './items.js'
import { newOrderNumber } from './order-number.js'
import { type Promotion, requirePromotion } from './promotions.js'
import { quoteNumbers } from './quote.js'

export type { OrderWithItems }

/**
 * POST /numbers/purchase, without Fastify: an order for up to ten numbers, bought one after
 * the other at Twilio.
 *
 *  1. The same user and Idempotency-Key find the order a first request created (a unique
 *     index, see the migration), which is returned as it is, or resumed if it never finished.
 *  2. A new order is written PENDING with all its items in one statement, then claimed
 *     (PROCESSING). Only the claimant buys: a concurrent request with the same key gets 409.
 *  3. Each number is marked BUYING before Twilio is asked, and gets its Number row (with the
 *     NUMBER_PURCHASED event) right after Twilio answers. A number found BUYING on a later run
 *     was asked for and its outcome never recorded: Twilio's list of the account's numbers says
 *     whether it was bought, so it is adopted, not bought twice.
 *  4. When Twilio cannot be reached to settle a number's fate, the order goes back to PENDING
 *     (resumable with the same key) and the request answers 502.
 *  5. The order ends COMPLETED, PARTIAL or FAILED with its totals recomputed (finalize.ts).
 *
 * A process that dies while holding the claim leaves the order PROCESSING; the claim lapses
 * after CLAIM_LEASE_MS without progress, and the next request with the key resumes it.
 */
export const CLAIM_LEASE_MS = 2 * 60 * 1000

const TERMINAL = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'])

export interface PurchaseDeps {
  prisma: PrismaClient
  twilio: TwilioNumbers
  prices: PriceBook
  publicBaseUrl: string
  taxRate: string
  /** Drops cached routing for these numbers (the routing cache). */
  invalidate: (phoneNumbers: string[]) => Promise<void>
}

export interface PurchaseRequest {
  userId: string
  idempotencyKey: string
  phoneNumbers: string[]
  friendlyName?: string
  promotionCode?: string
  billingAddress?: BillingAddress
}


export interface PurchaseResult {
  order: OrderWithItems
  /** False when the key named an order an earlier request created. */
  created: boolean
}

export async function purchaseNumbers(deps: PurchaseDeps, request: PurchaseRequest): Promise<PurchaseResult> {
  const promotion = request.promotionCode === undefined ? null : requirePromotion(request.promotionCode)
  const existing = await findByKey(deps.prisma, request.userId, request.idempotencyKey)
  if (existing !== null) {
    assertSameRequest(existing, request, promotion)
    return { order: await runOrder(deps, existing), created: false }
  }
  const quoted = await quoteNumbers(deps.prisma, deps.prices, request.phoneNumbers)
  const { order, created } = await createOrder(deps, request, quoted, promotion)
  if (!created) assertSameRequest(order, request, promotion)
  return { order: await runOrder(deps, order), created }
}

function findByKey(prisma: PrismaClient, userId: string, idempotencyKey: string): Promise<OrderWithItems | null> {
  return prisma.order.findUnique({
    where: { userId_idempotencyKey: { userId, idempotencyKey } },
    include: { orderItems: true },
  })
}

/** A key names one purchase: the same key with other numbers or another promotion is a client bug. */
function assertSameRequest(order: OrderWithItems, request: PurchaseRequest, promotion: Promotion | null): void {
  const ordered = numberItems(order.orderItems).map((i) => numberMeta(i).phoneNumber).sort()
  const asked = [...request.phoneNumbers].sort()
  const samePromotion = (order.promotionCode ?? null) === (promotion?.code ?? null)
  if (!samePromotion || ordered.length !== asked.length || ordered.some((n, i) => n !== asked[i])) {
    throw conflict(`this Idempotency-Key was already used for a different purchase (order ${order.orderNumber})`, {
      orderId: order.id,
      orderNumber: order.orderNumber,
    })
  }
}

async function createOrder(
  deps: PurchaseDeps,
  request: PurchaseRequest,
  quoted: Awaited<ReturnType<typeof quoteNumbers>>,
  promotion: Promotion | null,
): Promise<PurchaseResult> {
  const taxRate = new Prisma.Decimal(deps.taxRate)
  const totals = orderTotals(
    quoted.flatMap((q) => [q.monthlyPrice, q.setupPrice]),
    taxRate,
    promotion,
  )
  const items = newOrderItems(quoted, request.friendlyName ?? null, totals, promotion, taxRate)
  for (let attempt = 0; ; attempt++) {
    try {
      const order = await deps.prisma.order.create({
        data: {
          orderNumber: newOrderNumber(),
          userId: request.userId,
          status: 'PENDING',
          subtotalAmount: totals.subtotal,
          taxAmount: totals.tax,
          discountAmount: totals.discount,
          totalAmount: totals.total,
          currency: quoted[0]!.currency,
          orderSource: 'api',
          promotionCode: promotion?.code ?? null,
          billingAddress: request.billingAddress ?? Prisma.DbNull,
          idempotencyKey: request.idempotencyKey,
          orderItems: { create: items },
        },
        include: { orderItems: true },
      })
      return { order, created: true }
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      // Either a concurrent request with the same key won the race, or the order number collided.
      const raced = await findByKey(deps.prisma, request.userId, request.idempotencyKey)
      if (raced !== null) return { order: raced, created: false }
      if (attempt >= 4) throw err
    }
  }
}

/** Takes the order for this request: PENDING, or PROCESSING by a claimant that stopped making progress. */
async function claim(prisma: PrismaClient, order: Order): Promise<boolean> {
  const now = new Date()
  const { count } = await prisma.order.updateMany({
    where: {
      id: order.id,
      OR: [{ status: 'PENDING' }, { status: 'PROCESSING', updatedAt: { lt: new Date(now.getTime() - CLAIM_LEASE_MS) } }],
    },
    data: { status: 'PROCESSING', processedAt: order.processedAt ?? now, updatedAt: now },
  })
  return count === 1
}

/** Thrown when a number's fate at Twilio cannot be settled; the order is handed back as PENDING. */
class Interrupted extends Error {
  constructor(
    readonly phoneNumber: string,
    readonly failure: unknown,
  ) {
    super(`interrupted at ${phoneNumber}`)
  }
}

async function runOrder(deps: PurchaseDeps, order: OrderWithItems): Promise<OrderWithItems> {
  if (TERMINAL.has(order.status)) return order
  if (!(await claim(deps.prisma, order))) {
    const now = await deps.prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { orderItems: true } })
    if (TERMINAL.has(now.status)) return now
    throw conflict(`the purchase of order ${order.orderNumber} is in progress; repeat the request later to see its outcome`, {
      orderId: order.id,
      orderNumber: order.orderNumber,
    })
  }
  try {
    for (const item of numberItems(order.orderItems)) await settleNumber(deps, order, item)
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err
    await deps.prisma.order.update({ where: { id: order.id }, data: { status: 'PENDING' } })
    const upstream = upstreamError(`confirm the purchase of ${err.phoneNumber}`, err.failure)
    throw new AppError(
      'UPSTREAM_ERROR',
      `${upstream.message}. Order ${order.orderNumber} is kept: repeat the request with the same Idempotency-Key to resume it`,
      { ...(upstream.details as object), orderId: order.id, orderNumber: order.orderNumber },
    )
  }
  return finalizeOrder(deps.prisma, order.id)
}

/** Updates a number's item and renews the claim (the order's updatedAt) in one go. */
async function setNumberItem(prisma: PrismaClient, item: OrderItem, meta: NumberItemMeta, extra: Prisma.OrderItemUpdateInput = {}) {
  await prisma.$transaction([
    prisma.orderItem.update({ where: { id: item.id }, data: { ...extra, metadata: meta as unknown as Prisma.InputJsonObject } }),
    prisma.order.update({ where: { id: item.orderId }, data: { updatedAt: new Date() } }),
  ])
}

async function markFailed(prisma: PrismaClient, item: OrderItem, meta: NumberItemMeta, failure: PurchaseFailure) {
  await setNumberItem(prisma, item, { ...meta, purchase: 'FAILED', failure }, {
    description: `${numberItemDescription(meta)}, not bought: ${failureText(failure)}`,
  })
}

function failureOf(err: unknown): PurchaseFailure {
  const refusal = twilioRefusal(err)
  if (refusal !== null) return { reason: refusal.message, twilioCode: refusal.code ?? null, status: refusal.status }
  return { reason: err instanceof Error ? err.message : String(err), twilioCode: null, status: null }
}

/** Whether the account owns the number after all; an unanswerable question interrupts the purchase. */
async function lookUp(deps: PurchaseDeps, phoneNumber: string): Promise<OwnedNumber | null> {
  try {
    return await deps.twilio.findOwned(phoneNumber)
  } catch (err) {
    throw new Interrupted(phoneNumber, err)
  }
}

async function settleNumber(deps: PurchaseDeps, order: Order, item: OrderItem): Promise<void> {
  const { prisma } = deps
  const meta = numberMeta(item)
  if (meta.purchase === 'BOUGHT' || meta.purchase === 'FAILED') return

  const row = await prisma.number.findUnique({ where: { phoneNumber: meta.phoneNumber } })
  if (row !== null) {
    if (row.orderId === order.id) {
      // Bought and recorded by an earlier run that stopped before marking the item.
      await setNumberItem(prisma, item, { ...meta, purchase: 'BOUGHT', twilioSid: row.twilioSid }, { itemId: row.id })
      return
    }
    await markFailed(prisma, item, meta, { reason: 'registered in did-edge by someone else meanwhile', twilioCode: null, status: null })
    return
  }

  // Asked before and never recorded: Twilio knows whether it was bought.
  let bought = meta.purchase === 'BUYING' ? await lookUp(deps, meta.phoneNumber) : null
  if (bought === null) {
    await setNumberItem(prisma, item, { ...meta, purchase: 'BUYING' })
    try {
      bought = await deps.twilio.buy({
        phoneNumber: meta.phoneNumber,
        ...(meta.friendlyName !== null && { friendlyName: meta.friendlyName }),
        ...effectiveWebhookConfig(newNumberWebhookColumns(deps.publicBaseUrl), deps.publicBaseUrl),
      })
    } catch (err) {
      const refusal = twilioRefusal(err)
      if (refusal !== null && refusal.status >= 400 && refusal.status < 500) {
        await markFailed(prisma, item, meta, failureOf(err))
        return
      }
      // No answer, or a server error: the number may have been bought all the same.
      bought = await lookUp(deps, meta.phoneNumber)
      if (bought === null) {
        await markFailed(prisma, item, meta, failureOf(err))
        return
      }
    }
  }
  await recordBought(deps, order, item, { ...meta, purchase: 'BUYING', twilioSid: bought.sid }, bought)
}

/** The Number row, the items pointing at it, and the NUMBER_PURCHASED event, in one transaction. */
async function recordBought(deps: PurchaseDeps, order: Order, item: OrderItem, meta: NumberItemMeta, bought: OwnedNumber) {
  const { prisma } = deps
  // The SID first: should the row fail to be written, the item still says what Twilio sold us.
  await setNumberItem(prisma, item, meta)
  const columns = newNumberWebhookColumns(deps.publicBaseUrl)
  try {
    const number = await prisma.$transaction(async (tx) => {
      const number = await tx.number.create({
        data: {
          phoneNumber: bought.phoneNumber,
          friendlyName: meta.friendlyName ?? bought.friendlyName,
          countryCode: meta.countryCode,
          areaCode: meta.areaCode,
          numberType: meta.numberType,
          capabilities: capabilityList(bought.capabilities),
          twilioSid: bought.sid,
          twilioAccountSid: bought.accountSid,
          monthlyPrice: meta.monthlyPrice,
          setupPrice: meta.setupPrice,
          currency: meta.currency,
          ...columns,
          status: 'ACTIVE',
          userId: order.userId,
          orderId: order.id,
        },
      })
      const items = await tx.orderItem.findMany({ where: { orderId: order.id } })
      await tx.orderItem.update({
        where: { id: item.id },
        data: { itemId: number.id, metadata: { ...meta, purchase: 'BOUGHT' } as unknown as Prisma.InputJsonObject },
      })
      const fees = feeItemsOf(items, meta.phoneNumber).map((f) => f.id)
      await tx.orderItem.updateMany({ where: { id: { in: fees } }, data: { itemId: number.id } })
      await tx.order.update({ where: { id: order.id }, data: { updatedAt: new Date() } })
      await recordDomainEvent(tx, {
        userId: order.userId,
        event: 'NUMBER_PURCHASED',
        data: {
          numberId: number.id,
          phoneNumber: number.phoneNumber,
          twilioSid: number.twilioSid,
          numberType: number.numberType,
          countryCode: number.countryCode,
          monthlyPrice: number.monthlyPrice.toString(),
          currency: number.currency,
          orderId: order.id,
          orderNumber: order.orderNumber,
        },
      })
      return number
    })
    await deps.invalidate([number.phoneNumber])
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    // Registered through POST /numbers between the quote and now: Twilio sold it to us, but it
    // cannot get a second row. The item keeps the SID; `npm run twilio:reconcile` lists the
    // number as unknown to did-edge until someone decides what to do with it.
    await markFailed(prisma, item, meta, {
      reason: `bought at Twilio as ${bought.sid} but registered in did-edge by someone else meanwhile`,
      twilioCode: null,
      status: null,
    })
  }
}
