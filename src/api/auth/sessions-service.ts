import { signAccessToken } from '../../auth/jwt.js'
import { expiresIn } from '../../auth/one-time-tokens.js'
import { verifyAgainstDummy, verifyPassword } from '../../auth/passwords.js'
import type { Principal } from '../../auth/principal.js'
import { hashRefreshToken, newRefreshToken } from '../../auth/refresh-tokens.js'
import { AppError, type ErrorCode, notFound } from '../../errors.js'
import type { Prisma, PrismaClient, Session, User } from '../../generated/prisma/client.js'
import { createNotification } from '../../notifications/notify.js'
import { deviceInfo, familyOf } from './device-info.js'
import type { SessionView } from './schemas.js'

/** What issuing tokens needs from the configuration. */
export interface TokenSettings {
  jwtSecret: string
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
}

/** Where a login or refresh comes from; stored with the session. */
export interface ClientInfo {
  ip: string
  userAgent: string | undefined
}

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: User
  session: Session
}

/**
 * A refused login or refresh, with what its audit row should say (the account concerned, an
 * action such as LOGIN_FAILED). Handlers copy `audit` into the request's audit draft.
 */
export class AuthRefusal extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly audit: { userId?: string; action?: string; resourceId?: string },
  ) {
    super(code, message)
  }
}

const INVALID_CREDENTIALS = 'invalid email or password'
const INVALID_REFRESH = 'invalid or expired refresh token'
const USER_AGENT_MAX = 500

type Tx = Prisma.TransactionClient

function unusableAccount(user: User): string | undefined {
  if (!user.isActive) return 'this account is inactive'
  if (user.isSuspended) return 'this account is suspended'
  return undefined
}

/** Creates a session (the first of a new family when `family` is undefined) and signs its tokens. */
async function issue(tx: Tx, settings: TokenSettings, user: User, client: ClientInfo, family: string | undefined, now: Date) {
  const refresh = newRefreshToken()
  const userAgent = client.userAgent?.slice(0, USER_AGENT_MAX)
  let session = await tx.session.create({
    data: {
      userId: user.id,
      refreshToken: refresh.hash,
      expiresAt: expiresIn(settings.refreshTokenTtlSeconds, now),
      ipAddress: client.ip,
      userAgent: userAgent ?? null,
      ...(family === undefined ? {} : { deviceInfo: { ...deviceInfo(family, userAgent) } }),
    },
  })
  // A login's first session names its family after itself; its id exists only once created.
  if (family === undefined) {
    session = await tx.session.update({
      where: { id: session.id },
      data: { deviceInfo: { ...deviceInfo(session.id, userAgent) } },
    })
  }
  const accessToken = signAccessToken(settings.jwtSecret, { sub: user.id, sid: session.id }, settings.accessTokenTtlSeconds, now.getTime())
  return { accessToken, refreshToken: refresh.token, expiresIn: settings.accessTokenTtlSeconds, session }
}

/**
 * Exchanges an email and password for a token pair. Unknown emails and wrong passwords answer
 * alike, after the same scrypt work; an account that cannot sign in (inactive, suspended) is
 * told so only after its password was proven.
 */
export async function login(
  prisma: PrismaClient,
  settings: TokenSettings,
  input: { email: string; password: string },
  client: ClientInfo,
  now = new Date(),
): Promise<IssuedTokens> {
  const user = await prisma.user.findUnique({ where: { email: input.email } })
  const valid = user === null ? await verifyAgainstDummy(input.password) : await verifyPassword(input.password, user.password)
  if (user === null || !valid) {
    throw new AuthRefusal('UNAUTHORIZED', INVALID_CREDENTIALS, { userId: user?.id, action: 'LOGIN_FAILED' })
  }
  const refused = unusableAccount(user)
  if (refused !== undefined) throw new AuthRefusal('FORBIDDEN', refused, { userId: user.id, action: 'LOGIN_FAILED' })

  return prisma.$transaction(async (tx) => {
    await warnOfNewDevice(tx, user, client, now)
    const issued = await issue(tx, settings, user, client, undefined, now)
    const updated = await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: now } })
    return { ...issued, user: updated }
  })
}

/**
 * A sign-in from a device (user agent) this account never signed in from before earns a
 * SECURITY notification, in the app and by mail, so a stolen password shows. The very first
 * sign-in warns of nothing.
 */
async function warnOfNewDevice(tx: Prisma.TransactionClient, user: User, client: ClientInfo, now: Date): Promise<void> {
  const [sessions, known] = await Promise.all([
    tx.session.count({ where: { userId: user.id } }),
    tx.session.count({ where: { userId: user.id, userAgent: client.userAgent ?? null } }),
  ])
  if (sessions === 0 || known > 0) return
  const device = deviceInfo('', client.userAgent)
  const described = [device.browser, device.os && `on ${device.os}`].filter(Boolean).join(' ') || 'an unrecognised device'
  await createNotification(tx, {
    userId: user.id,
    type: 'SECURITY',
    priority: 'HIGH',
    category: 'sign-in',
    channels: ['IN_APP', 'EMAIL'],
    title: 'New sign-in to your account',
    message: `Signed in from ${described} (IP ${client.ip}) at ${now.toISOString()}. If this was not you, reset your password.`,
    metadata: { ip: client.ip, userAgent: client.userAgent ?? null },
  })
}

/** Thrown inside the rotation transaction when the old session was revoked under our feet. */
class LostRace extends Error {}

/**
 * Rotates a refresh token: the presented session is revoked and a new one of the same family
 * issued, atomically. A refresh token that was already revoked is being replayed, by a thief or
 * by the client it was stolen from: every session of its family is revoked, so whoever holds
 * the newest token is signed out too, and the person signs in again.
 */
export async function refresh(
  prisma: PrismaClient,
  settings: TokenSettings,
  refreshToken: string,
  client: ClientInfo,
  now = new Date(),
): Promise<IssuedTokens> {
  const session = await prisma.session.findUnique({ where: { refreshToken: hashRefreshToken(refreshToken) }, include: { user: true } })
  if (session === null) throw new AuthRefusal('UNAUTHORIZED', INVALID_REFRESH, {})
  const { user } = session
  const family = familyOf(session)
  if (session.isRevoked) throw await revokeFamily(prisma, session, family, now)
  if (session.expiresAt <= now) throw new AuthRefusal('UNAUTHORIZED', INVALID_REFRESH, { userId: user.id, resourceId: session.id })
  const refused = unusableAccount(user)
  if (refused !== undefined) throw new AuthRefusal('FORBIDDEN', refused, { userId: user.id, resourceId: session.id })

  try {
    return await prisma.$transaction(async (tx) => {
      // Only one of two concurrent refreshes with the same token can flip isRevoked.
      const { count } = await tx.session.updateMany({
        where: { id: session.id, isRevoked: false },
        data: { isRevoked: true, revokedAt: now },
      })
      if (count !== 1) throw new LostRace()
      return { ...(await issue(tx, settings, user, client, family, now)), user }
    })
  } catch (err) {
    if (err instanceof LostRace) throw await revokeFamily(prisma, session, family, now)
    throw err
  }
}

async function revokeFamily(prisma: PrismaClient, session: Session, family: string, now: Date): Promise<AuthRefusal> {
  await prisma.session.updateMany({
    where: { userId: session.userId, isRevoked: false, deviceInfo: { path: ['family'], equals: family } },
    data: { isRevoked: true, revokedAt: now },
  })
  return new AuthRefusal('UNAUTHORIZED', INVALID_REFRESH, {
    userId: session.userId,
    action: 'REFRESH_TOKEN_REUSE',
    resourceId: session.id,
  })
}

/** Ends the session the caller signed in with. API keys are not sessions. */
export async function logout(prisma: PrismaClient, principal: Principal, now = new Date()): Promise<string> {
  if (principal.via.kind !== 'session') {
    throw new AppError('BAD_REQUEST', 'this request is authenticated with an API key, not a session; revoke API keys with DELETE /api-keys/:id')
  }
  await prisma.session.updateMany({ where: { id: principal.via.sessionId, isRevoked: false }, data: { isRevoked: true, revokedAt: now } })
  return principal.via.sessionId
}

/** How many sessions the list shows: more than any person keeps, few enough to stay one page. */
export const SESSION_LIST_LIMIT = 100

/** The caller's usable sessions, newest first. */
export async function listSessions(prisma: PrismaClient, principal: Principal, now = new Date()): Promise<SessionView[]> {
  const currentId = principal.via.kind === 'session' ? principal.via.sessionId : undefined
  const sessions = await prisma.session.findMany({
    where: { userId: principal.user.id, isRevoked: false, expiresAt: { gt: now } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: SESSION_LIST_LIMIT,
    select: { id: true, createdAt: true, expiresAt: true, ipAddress: true, userAgent: true, deviceInfo: true },
  })
  return sessions.map((s) => ({
    id: s.id,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    ipAddress: s.ipAddress,
    userAgent: s.userAgent,
    deviceInfo: s.deviceInfo,
    current: s.id === currentId,
  }))
}

/**
 * Revokes one of the caller's own active sessions. Sessions are personal: anyone else's, even
 * for an administrator, is not found (administrators suspend users instead).
 */
export async function revokeSession(prisma: PrismaClient, principal: Principal, id: string, now = new Date()): Promise<void> {
  const { count } = await prisma.session.updateMany({
    where: { id, userId: principal.user.id, isRevoked: false },
    data: { isRevoked: true, revokedAt: now },
  })
  if (count === 0) throw notFound('session')
}
