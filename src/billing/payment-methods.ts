import { randomUUID } from 'node:crypto'
import { type AccessMode, ownedRows } from '../auth/access.js'
import type { Principal } from '../auth/principal.js'
import { conflict, notFound, validationFailed } from '../errors.js'
import type {
  BillingAccount,
  PaymentMethod,
  PaymentMethodType,
  PaymentProcessor as ProcessorKind,
  Prisma,
  PrismaClient,
} from '../generated/prisma/client.js'
import { lockBillingAccount } from './accounts.js'

/**
 * Payment methods: what a billing account pays with. did-edge keeps only what identifies a
 * method to a person and to its processor (last 4 digits, brand, expiry, the processor's own
 * id), never a card number.
 *
 * Exactly one active method of an account is the default while it has any, and
 * BillingAccount.defaultPaymentMethod names it: the first method becomes the default, making
 * another the default unsets the previous one, and removing the default promotes the most
 * recently added of the rest. Each change runs in one transaction holding the account's row
 * lock, so two at once cannot leave two defaults or none.
 */

export interface NewPaymentMethod {
  processor: ProcessorKind
  type: PaymentMethodType
  /** The processor's id of the method; generated for methods recorded by hand. */
  externalId?: string
  last4?: string
  brand?: string
  expiryMonth?: number
  expiryYear?: number
  bankName?: string
  accountType?: 'checking' | 'savings'
  isDefault?: boolean
}

export interface PaymentMethodChange {
  isDefault?: boolean
  brand?: string | null
  expiryMonth?: number
  expiryYear?: number
  bankName?: string | null
  accountType?: 'checking' | 'savings' | null
}

/** A card is usable through the last day of its expiry month. */
export function isExpired(month: number, year: number, now: Date): boolean {
  const thisYear = now.getUTCFullYear()
  return year < thisYear || (year === thisYear && month < now.getUTCMonth() + 1)
}

function checkExpiry(month: number | null | undefined, year: number | null | undefined, now: Date): void {
  if ((month === null || month === undefined) !== (year === null || year === undefined)) {
    const missing = month === null || month === undefined ? 'expiryMonth' : 'expiryYear'
    throw validationFailed(`${missing}: expiryMonth and expiryYear go together`, [{ path: missing, message: 'expiryMonth and expiryYear go together' }])
  }
  if (month !== null && month !== undefined && year !== null && year !== undefined && isExpired(month, year, now)) {
    throw validationFailed('expiryYear: the card expired (expiry is in the past)', [
      { path: 'expiryYear', message: 'the expiry date is in the past' },
    ])
  }
}

/** Where a principal's reach over payment methods (through their account's owner) is said. */
function ownedMethods(principal: Principal, mode: AccessMode): Prisma.PaymentMethodWhereInput {
  const { userId } = ownedRows(principal, mode)
  return userId === undefined ? {} : { billingAccount: { userId } }
}

/** The active methods of an account, the default first, then newest first. */
export function listPaymentMethods(prisma: PrismaClient, billingAccountId: string): Promise<PaymentMethod[]> {
  return prisma.paymentMethod.findMany({
    where: { billingAccountId, isActive: true },
    orderBy: [{ isDefault: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
  })
}

/** An active method the principal may read (or change), or NOT_FOUND: another tenant's is not found either. */
export async function findPaymentMethod(
  db: PrismaClient | Prisma.TransactionClient,
  principal: Principal,
  id: string,
  mode: AccessMode,
): Promise<PaymentMethod> {
  const method = await db.paymentMethod.findFirst({ where: { id, isActive: true, ...ownedMethods(principal, mode) } })
  if (method === null) throw notFound('payment method')
  return method
}

/** Makes `methodId` the account's one default (or, with null, records that it has none). */
async function setDefault(tx: Prisma.TransactionClient, billingAccountId: string, methodId: string | null): Promise<void> {
  await tx.paymentMethod.updateMany({
    where: { billingAccountId, isDefault: true, ...(methodId !== null && { id: { not: methodId } }) },
    data: { isDefault: false },
  })
  if (methodId !== null) await tx.paymentMethod.update({ where: { id: methodId }, data: { isDefault: true } })
  await tx.billingAccount.update({
    where: { id: billingAccountId },
    // Auto-pay needs something to pay with.
    data: { defaultPaymentMethod: methodId, ...(methodId === null && { autoPayEnabled: false }) },
  })
}

/** Adds a method to an account; it becomes the default when asked, or when it is the account's first. */
export async function addPaymentMethod(
  prisma: PrismaClient,
  account: BillingAccount,
  input: NewPaymentMethod,
  now = new Date(),
): Promise<PaymentMethod> {
  checkExpiry(input.expiryMonth, input.expiryYear, now)
  const { isDefault: asked, externalId, ...fields } = input
  return prisma.$transaction(async (tx) => {
    await lockBillingAccount(tx, account.id)
    const others = await tx.paymentMethod.count({ where: { billingAccountId: account.id, isActive: true } })
    const method = await tx.paymentMethod.create({
      data: { ...fields, billingAccountId: account.id, externalId: externalId ?? `manual_${randomUUID()}` },
    })
    if (asked === true || others === 0) await setDefault(tx, account.id, method.id)
    return tx.paymentMethod.findUniqueOrThrow({ where: { id: method.id } })
  })
}

/**
 * Changes a method. `isDefault: true` makes it the default (the previous one is unset in the
 * same transaction); `isDefault: false` on the default is refused (409): an account with
 * methods always has a default, so name the new default instead.
 */
export async function updatePaymentMethod(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  change: PaymentMethodChange,
  now = new Date(),
): Promise<{ before: PaymentMethod; after: PaymentMethod }> {
  const found = await findPaymentMethod(prisma, principal, id, 'write')
  return prisma.$transaction(async (tx) => {
    await lockBillingAccount(tx, found.billingAccountId)
    // Read again under the lock: a concurrent change may have moved the default.
    const before = await findPaymentMethod(tx, principal, id, 'write')
    const { isDefault, ...fields } = change
    if (isDefault === false && before.isDefault) {
      throw conflict('this is the default payment method: make another method the default instead')
    }
    if (fields.expiryMonth !== undefined || fields.expiryYear !== undefined) {
      checkExpiry(fields.expiryMonth ?? before.expiryMonth, fields.expiryYear ?? before.expiryYear, now)
    }
    if (Object.keys(fields).length > 0) await tx.paymentMethod.update({ where: { id }, data: fields })
    if (isDefault === true && !before.isDefault) await setDefault(tx, before.billingAccountId, id)
    const after = await tx.paymentMethod.findUniqueOrThrow({ where: { id } })
    return { before, after }
  })
}

/**
 * Removes a method: it is deactivated, not deleted, so the payments made with it keep naming
 * it. When it was the default, the most recently added remaining method becomes the default.
 */
export async function removePaymentMethod(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
): Promise<{ removed: PaymentMethod; promoted: PaymentMethod | null }> {
  const found = await findPaymentMethod(prisma, principal, id, 'write')
  return prisma.$transaction(async (tx) => {
    await lockBillingAccount(tx, found.billingAccountId)
    const removed = await findPaymentMethod(tx, principal, id, 'write')
    await tx.paymentMethod.update({ where: { id }, data: { isActive: false, isDefault: false } })
    if (!removed.isDefault) return { removed, promoted: null }
    const next = await tx.paymentMethod.findFirst({
      where: { billingAccountId: removed.billingAccountId, isActive: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    })
    await setDefault(tx, removed.billingAccountId, next?.id ?? null)
    return { removed, promoted: next === null ? null : await tx.paymentMethod.findUniqueOrThrow({ where: { id: next.id } }) }
  })
}
