// Rows the invoice tests bill: users, their billing accounts, numbers and usage, written with
// Prisma as the rest of did-edge writes them.
import { randomBytes } from 'node:crypto'
import type { Prisma, PrismaClient } from '../../src/generated/prisma/client.js'

export const billing = { taxRate: '0', paymentTermsDays: 30 }

/** A user with a billing account (address `{}`, as the ingest pipeline opens them). */
export async function customer(prisma: PrismaClient, name = 'Ada', currency = 'USD') {
  const user = await prisma.user.create({
    data: { email: `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`, password: '!unusable!', firstName: name, lastName: 'Customer' },
  })
  const account = await prisma.billingAccount.create({ data: { userId: user.id, billingAddress: {}, currency } })
  return { user, account }
}

let counter = 0
export async function heldNumber(
  prisma: PrismaClient,
  userId: string,
  fields: { monthlyPrice?: string; purchasedAt: string; releasedAt?: string; friendlyName?: string; currency?: string },
) {
  counter += 1
  const suffix = String(counter + Math.floor(Math.random() * 90_000) * 10).padStart(7, '0').slice(-7)
  return prisma.number.create({
    data: {
      phoneNumber: `+1628${suffix}`,
      twilioSid: `PN${randomBytes(16).toString('hex')}`,
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      countryCode: 'US',
      numberType: 'LOCAL',
      capabilities: ['VOICE', 'SMS'],
      monthlyPrice: fields.monthlyPrice ?? '1.15',
      currency: fields.currency ?? 'USD',
      friendlyName: fields.friendlyName,
      purchasedAt: new Date(fields.purchasedAt),
      releasedAt: fields.releasedAt === undefined ? null : new Date(fields.releasedAt),
      status: fields.releasedAt === undefined ? 'ACTIVE' : 'RELEASED',
      userId,
    },
  })
}

/** A usage record as src/ingest/usage-writer.ts writes one (billingPeriod from the usage date). */
export function usageRow(
  billingAccountId: string,
  recordType: Prisma.UsageRecordCreateManyInput['recordType'],
  usageDate: string,
  quantity: string,
  unitPrice: string,
  totalCost: string,
): Prisma.UsageRecordCreateManyInput {
  return {
    billingAccountId,
    recordType,
    resourceId: `${recordType === 'VOICE_MINUTES' ? 'CA' : 'SM'}${randomBytes(16).toString('hex')}`,
    quantity,
    unit: recordType === 'VOICE_MINUTES' ? 'minutes' : 'segments',
    unitPrice,
    totalCost,
    usageDate: new Date(usageDate),
    billingPeriod: usageDate.slice(0, 7),
  }
}

/** An active endpoint of the user subscribed to `events`, as the webhook-endpoints API stores one. */
export async function webhookEndpoint(prisma: PrismaClient, userId: string, events: Prisma.WebhookEndpointCreateInput['events']) {
  return prisma.webhookEndpoint.create({
    data: {
      userId,
      url: 'http://127.0.0.1:9/hooks',
      events,
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      retryPolicy: { maxAttempts: 3, backoff: 'fixed', initialDelay: 1000 },
    },
  })
}
