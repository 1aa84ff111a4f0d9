import { type AccessMode, actsOnAllTenants, ownedRows } from '../../auth/access.js'
import { isUniqueViolation } from '../../db/errors.js'
import { conflict, forbidden, notFound, validationFailed } from '../../errors.js'
import type { Number as NumberRow, PrismaClient } from '../../generated/prisma/client.js'
import type { Principal } from '../../auth/principal.js'
import type { CreateNumberInput } from './schemas.js'

/** Registers a number the Twilio account already owns, for the caller or (admins) another user. */
export async function createNumber(prisma: PrismaClient, principal: Principal, input: CreateNumberInput): Promise<NumberRow> {
  const { userId = principal.user.id, ...fields } = input
  if (userId !== principal.user.id) {
    if (!actsOnAllTenants(principal)) throw forbidden('only administrators may register a number for another user')
    const owner = await prisma.user.findUnique({ where: { id: userId }, select: { id: true } })
    if (owner === null) throw validationFailed(`userId: user ${userId} does not exist`, [{ path: 'userId', message: 'user does not exist' }])
  }
  try {
    return await prisma.number.create({ data: { ...fields, userId } })
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('a number with this phoneNumber or twilioSid is already registered')
    throw err
  }
}

/** A number the principal may read (or, with mode 'write', change), or NOT_FOUND. */
export async function getNumber(prisma: PrismaClient, principal: Principal, id: string, mode: AccessMode = 'read'): Promise<NumberRow> {
  const number = await prisma.number.findFirst({ where: { id, ...ownedRows(principal, mode) } })
  if (number === null) throw notFound('number')
  return number
}
