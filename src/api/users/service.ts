import type { Principal } from '../../auth/principal.js'
import { AppError, conflict, forbidden, notFound, validationFailed } from '../../errors.js'
import type { Prisma, PrismaClient, User } from '../../generated/prisma/client.js'
import { pageWindow } from '../pagination.js'
import { mergePreferences } from './preferences.js'
import type { AdminUserInput, ListUsersQuery, ProfileInput } from './schemas.js'
import { containsText } from '../search.js'

export interface UserChange {
  before: User
  after: User
}

/** The columns a profile change writes; preferences are merged into what is stored. */
function profileData(user: User, input: ProfileInput | AdminUserInput): Prisma.UserUpdateInput {
  const { preferences, ...fields } = input
  const data: Prisma.UserUpdateInput = { ...fields }
  if (preferences !== undefined) {
    data.preferences = mergePreferences(user.preferences, preferences, {
      language: fields.language ?? user.language,
      timezone: fields.timezone ?? user.timezone,
    })
  }
  return data
}

/** The caller changes their own profile. */
export async function updateOwnProfile(prisma: PrismaClient, user: User, input: ProfileInput): Promise<UserChange> {
  const data = profileData(user, input)
  const after = await prisma.user.update({ where: { id: user.id }, data })
  return { before: user, after }
}

export async function listUsers(prisma: PrismaClient, query: ListUsersQuery): Promise<{ rows: User[]; total: number }> {
  const { search, role, isActive, isSuspended, dateFrom, dateTo, sortBy, sortOrder } = query
  const where: Prisma.UserWhereInput = {
    ...(search !== undefined && {
      OR: [{ email: containsText(search) }, { firstName: containsText(search) }, { lastName: containsText(search) }, { company: containsText(search) }],
    }),
    ...(role !== undefined && { role: { in: role } }),
    ...(isActive !== undefined && { isActive }),
    ...(isSuspended !== undefined && { isSuspended }),
    ...((dateFrom !== undefined || dateTo !== undefined) && { createdAt: { gte: dateFrom, lte: dateTo } }),
  }
  // Users who never signed in sort last either way; the id makes pages stable among equals.
  const primary: Prisma.UserOrderByWithRelationInput =
    sortBy === 'lastLoginAt' ? { lastLoginAt: { sort: sortOrder, nulls: 'last' } } : { [sortBy]: sortOrder }
  const [rows, total] = await prisma.$transaction([
    prisma.user.findMany({ where, orderBy: [primary, { id: sortOrder }], ...pageWindow(query) }),
    prisma.user.count({ where }),
  ])
  return { rows, total }
}

export async function getUserDetail(prisma: PrismaClient, id: string) {
  const user = await prisma.user.findUnique({
    where: { id },
    include: { _count: { select: { numbers: true, apiKeys: true, sessions: true } } },
  })
  if (user === null) throw notFound('user')
  return user
}

/** The user an administrator acts on; only a super administrator touches a super administrator. */
async function targetUser(prisma: PrismaClient, principal: Principal, id: string): Promise<User> {
  const target = await prisma.user.findUnique({ where: { id } })
  if (target === null) throw notFound('user')
  if (target.role === 'SUPER_ADMIN' && principal.user.role !== 'SUPER_ADMIN') {
    throw forbidden('only a super administrator modifies a super administrator')
  }
  return target
}

/**
 * An administrator changes a user. Roles are a super administrator's call, and nobody changes
 * their own role or deactivates themselves: an instance must never lose its last administrator
 * by a slip of the hand.
 */
export async function adminUpdateUser(prisma: PrismaClient, principal: Principal, id: string, input: AdminUserInput): Promise<UserChange> {
  const target = await targetUser(prisma, principal, id)
  const self = target.id === principal.user.id
  if (input.role !== undefined && input.role !== target.role) {
    if (principal.user.role !== 'SUPER_ADMIN') throw forbidden('only a super administrator changes roles')
    if (self) throw validationFailed('role: you cannot change your own role', [{ path: 'role', message: 'you cannot change your own role' }])
  }
  if (self && input.isActive === false) {
    throw validationFailed('isActive: you cannot deactivate yourself', [{ path: 'isActive', message: 'you cannot deactivate yourself' }])
  }
  const after = await prisma.user.update({ where: { id }, data: profileData(target, input) })
  return { before: target, after }
}

/**
 * Suspends a user: from their next request on, their keys and access tokens answer 403, and
 * every session (refresh token) they hold is revoked in the same transaction.
 */
export async function suspendUser(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  reason: string,
  now = new Date(),
): Promise<UserChange & { sessionsRevoked: number }> {
  if (id === principal.user.id) throw new AppError('BAD_REQUEST', 'you cannot suspend yourself')
  const target = await targetUser(prisma, principal, id)
  return prisma.$transaction(async (tx) => {
    // The condition makes a concurrent second suspension a 409, not a second write.
    const { count } = await tx.user.updateMany({ where: { id, isSuspended: false }, data: { isSuspended: true, suspensionReason: reason } })
    if (count === 0) throw conflict('this user is already suspended')
    const sessions = await tx.session.updateMany({ where: { userId: id, isRevoked: false }, data: { isRevoked: true, revokedAt: now } })
    const after = await tx.user.findUniqueOrThrow({ where: { id } })
    return { before: target, after, sessionsRevoked: sessions.count }
  })
}

/** Lifts a suspension; revoked sessions stay revoked (the user signs in again). */
export async function unsuspendUser(prisma: PrismaClient, principal: Principal, id: string): Promise<UserChange> {
  const target = await targetUser(prisma, principal, id)
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id, isSuspended: true }, data: { isSuspended: false, suspensionReason: null } })
    if (count === 0) throw conflict('this user is not suspended')
    const after = await tx.user.findUniqueOrThrow({ where: { id } })
    return { before: target, after }
  })
}
