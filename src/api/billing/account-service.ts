import type { Principal } from '../../auth/principal.js'
import { billingAccountOwner, ensureBillingAccount, lockBillingAccount } from '../../billing/accounts.js'
import { conflict } from '../../errors.js'
import type { BillingAccount, PaymentMethod, PrismaClient } from '../../generated/prisma/client.js'
import type { UpdateAccountInput } from './account-schemas.js'

export interface AccountWithDefault {
  account: BillingAccount
  defaultMethod: PaymentMethod | null
}

async function withDefault(prisma: PrismaClient, account: BillingAccount): Promise<AccountWithDefault> {
  const defaultMethod =
    account.defaultPaymentMethod === null
      ? null
      : await prisma.paymentMethod.findFirst({ where: { id: account.defaultPaymentMethod, billingAccountId: account.id, isActive: true } })
  return { account, defaultMethod }
}

/** The billing account of the caller (or, for administrators and support, of `userId`), opened if it has none. */
export async function getBillingAccount(prisma: PrismaClient, principal: Principal, userId: string | undefined): Promise<AccountWithDefault> {
  const owner = await billingAccountOwner(prisma, principal, userId, 'read')
  return withDefault(prisma, await ensureBillingAccount(prisma, owner))
}

/** Changes the customer-editable fields of a billing account; returns it before and after. */
export async function updateBillingAccount(
  prisma: PrismaClient,
  principal: Principal,
  userId: string | undefined,
  input: UpdateAccountInput,
): Promise<{ before: BillingAccount; after: AccountWithDefault }> {
  const owner = await billingAccountOwner(prisma, principal, userId, 'write')
  const { id } = await ensureBillingAccount(prisma, owner)
  const { before, after } = await prisma.$transaction(async (tx) => {
    // Under the lock a concurrent removal of the last payment method cannot slip in between.
    await lockBillingAccount(tx, id)
    const before = await tx.billingAccount.findUniqueOrThrow({ where: { id } })
    if (input.autoPayEnabled === true && before.defaultPaymentMethod === null) {
      throw conflict('autoPayEnabled needs a default payment method: add one first')
    }
    const after = await tx.billingAccount.update({ where: { id }, data: input })
    return { before, after }
  })
  return { before, after: await withDefault(prisma, after) }
}
