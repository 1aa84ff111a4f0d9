import { type CompiledNumber, compileNumber } from '../../routing/index.js'
import type { PrismaClient } from '../generated/prisma/client.js'

/**
 * Reads a number, its owner's time zone and its configurations, and compiles them: the one
 * place where stored rows become the routing engine's input. Returns null for an unknown
 * number. Throws RoutingConfigurationError when a stored active configuration is invalid.
 */
export async function loadCompiledNumber(
  prisma: PrismaClient,
  where: { id: string } | { phoneNumber: string },
): Promise<CompiledNumber | null> {
  const number = await prisma.number.findUnique({
    where,
    include: { user: { select: { timezone: true } }, configurations: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
  })
  if (number === null) return null
  return compileNumber(
    { numberId: number.id, phoneNumber: number.phoneNumber, countryCode: number.countryCode, ownerTimezone: number.user.timezone },
    number.configurations,
  )
}
