import { apiKeyPrefix, generateApiKey, hashApiKey } from '../auth/api-keys.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import { unusablePassword } from './admin.js'

export const DEMO_EMAIL = 'demo@did-edge.local'
export const DEMO_NUMBER = '+15005550006'
const DEMO_KEY_NAME = 'demo'

/**
 * The demo number's routing: one rule of each kind, so a fresh clone shows every part of the
 * engine. Callers are checked first (VIP list, anonymous callers refused), then the caller's
 * country, then business hours in New York; everything else goes to voicemail.
 */
export const demoRoutingRules = {
  defaultAction: 'voicemail',
  callerIdRules: [
    {
      id: 'vip-callers',
      name: 'VIP callers reach the founder',
      patterns: ['+14155550100', '+1212555XXXX'],
      action: { type: 'forward', destination: '+14155550199', options: { timeout: 25 } },
      priority: 1,
    },
    {
      id: 'no-anonymous',
      name: 'Refuse anonymous callers',
      patterns: ['anonymous'],
      action: { type: 'reject' },
      priority: 2,
    },
  ],
  geographicRules: [
    {
      id: 'uk-callers',
      name: 'Callers from the UK reach the London desk',
      countries: ['GB'],
      action: { type: 'forward', destination: '+442071838750' },
      priority: 3,
    },
  ],
  timeBasedRules: [
    {
      id: 'business-hours',
      name: 'Weekdays 09:00-17:00 New York time ring the front desk',
      schedule: {
        timezone: 'America/New_York',
        rules: [{ dayOfWeek: [1, 2, 3, 4, 5], timeFrom: '09:00', timeTo: '17:00' }],
      },
      action: { type: 'forward', destination: '+14155550123', options: { timeout: 20 } },
      priority: 4,
    },
  ],
  failoverRules: [{ id: 'backup-desk', attempts: 2, delay: 2, destinations: ['+14155550124'] }],
}

export interface DemoSeed {
  email: string
  apiKey: string
  phoneNumber: string
  numberId: string
}

/**
 * Seeds the embedded demo: an admin, a number with a routing configuration, and a fresh API
 * key. Only the key's hash is stored, so each start issues a new key (and retires the last
 * one) to be able to print it; everything else is created once and left alone after that.
 */
export async function seedDemo(prisma: PrismaClient, twilioAccountSid: string | undefined): Promise<DemoSeed> {
  const apiKey = generateApiKey()
  const numberId = await prisma.$transaction(async (tx) => {
    const user =
      (await tx.user.findUnique({ where: { email: DEMO_EMAIL } })) ??
      (await tx.user.create({
        data: {
          email: DEMO_EMAIL,
          password: unusablePassword(),
          firstName: 'Demo',
          lastName: 'Admin',
          role: 'SUPER_ADMIN',
          emailVerified: true,
          timezone: 'America/New_York',
        },
      }))

    await tx.apiKey.updateMany({ where: { userId: user.id, name: DEMO_KEY_NAME, isActive: true }, data: { isActive: false } })
    await tx.apiKey.create({
      data: { userId: user.id, name: DEMO_KEY_NAME, keyHash: hashApiKey(apiKey), keyPrefix: apiKeyPrefix(apiKey), permissions: ['admin'] },
    })

    const existing = await tx.number.findUnique({ where: { phoneNumber: DEMO_NUMBER } })
    if (existing !== null) return existing.id
    const created = await tx.number.create({
      data: {
        phoneNumber: DEMO_NUMBER,
        friendlyName: 'did-edge demo number',
        countryCode: 'US',
        region: 'NY',
        locality: 'New York',
        areaCode: '500',
        numberType: 'LOCAL',
        capabilities: ['VOICE', 'SMS'],
        twilioSid: `PN${'0'.repeat(32)}`,
        twilioAccountSid: twilioAccountSid ?? `AC${'0'.repeat(32)}`,
        monthlyPrice: '1.15',
        userId: user.id,
        configurations: {
          create: {
            name: 'Demo routing',
            isActive: true,
            timezone: 'America/New_York',
            routingRules: demoRoutingRules,
            voicemailEnabled: true,
          },
        },
      },
    })
    return created.id
  })
  return { email: DEMO_EMAIL, apiKey, phoneNumber: DEMO_NUMBER, numberId }
}
