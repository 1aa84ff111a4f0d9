import { expiresIn, hashToken, newOneTimeToken } from '../../auth/one-time-tokens.js'
import { checkPasswordStrength, hashPassword } from '../../auth/passwords.js'
import { isCheckViolation, isUniqueViolation } from '../../db/errors.js'
import { conflict, forbidden, validationFailed } from '../../errors.js'
import type { PrismaClient, User } from '../../generated/prisma/client.js'
import { queueMail } from '../../mail/outbox.js'
import { type MailLinks, passwordResetMail, verificationMail } from '../../mail/templates.js'
import type { RegisterInput } from './schemas.js'

export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 3600
export const PASSWORD_RESET_TTL_SECONDS = 3600

const invalidToken = () => validationFailed('invalid or expired token', [{ path: 'token', message: 'invalid or expired token' }])

/** Refuses a weak password with the same 400 shape as schema validation, naming the field. */
export function assertStrongPassword(password: string, email: string): void {
  const problem = checkPasswordStrength(password, email)
  if (problem !== undefined) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }])
}

/**
 * Creates an account and queues the mail with its email-verification token, in one
 * transaction. The token is never stored raw (only its hash) and never in an API answer.
 */
export async function register(
  prisma: PrismaClient,
  input: RegisterInput,
  options: { registrationOpen: boolean; links: MailLinks; now?: Date },
): Promise<User> {
  if (!options.registrationOpen) throw forbidden('registration is closed on this server')
  const { password, ...profile } = input
  assertStrongPassword(password, profile.email)
  // Checked before hashing so a duplicate costs no scrypt work; the unique index settles races.
  const taken = await prisma.user.findUnique({ where: { email: profile.email }, select: { id: true } })
  if (taken !== null) throw conflict('an account with this email already exists')

  const verification = newOneTimeToken()
  const passwordHash = await hashPassword(password)
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          ...profile,
          password: passwordHash,
          emailVerificationToken: verification.hash,
          emailVerificationExpires: expiresIn(EMAIL_VERIFICATION_TTL_SECONDS, options.now),
        },
      })
      await queueMail(tx, verificationMail(user, verification.token, options.links))
      return user
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('an account with this email already exists')
    if (isCheckViolation(err)) throw validationFailed('email: must be an email address', [{ path: 'email', message: 'must be an email address' }])
    throw err
  }
}

/**
 * Issues a fresh verification token to an unverified account (the previous one stops working)
 * and queues its mail, in one transaction.
 */
export async function resendVerification(prisma: PrismaClient, user: User, links: MailLinks, now = new Date()): Promise<void> {
  if (user.emailVerified) throw conflict('this email address is already verified')
  const verification = newOneTimeToken()
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: user.id, emailVerified: false },
      data: { emailVerificationToken: verification.hash, emailVerificationExpires: expiresIn(EMAIL_VERIFICATION_TTL_SECONDS, now) },
    })
    if (count !== 1) throw conflict('this email address is already verified')
    await queueMail(tx, verificationMail(user, verification.token, links))
  })
}

/** Marks the email of the token's account verified; the token works once, before it expires. */
export async function verifyEmail(prisma: PrismaClient, token: string, now = new Date()): Promise<User> {
  const hash = hashToken(token)
  const user = await prisma.user.findUnique({ where: { emailVerificationToken: hash } })
  if (user === null || user.emailVerificationExpires === null || user.emailVerificationExpires <= now) throw invalidToken()
  // Conditional on the token still being there: two concurrent uses cannot both succeed.
  const { count } = await prisma.user.updateMany({
    where: { id: user.id, emailVerificationToken: hash },
    data: { emailVerified: true, emailVerificationToken: null, emailVerificationExpires: null },
  })
  if (count !== 1) throw invalidToken()
  return user
}

/**
 * Issues a password-reset token when an account has this email and queues its mail, in one
 * transaction. Returns the account's id, or undefined when there is none: the route answers
 * the same either way, so the endpoint does not reveal who has an account.
 */
export async function requestPasswordReset(
  prisma: PrismaClient,
  email: string,
  links: MailLinks,
  now = new Date(),
): Promise<string | undefined> {
  const reset = newOneTimeToken()
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email } })
    if (user === null) return undefined
    await tx.user.update({
      where: { id: user.id },
      data: { passwordResetToken: reset.hash, passwordResetExpires: expiresIn(PASSWORD_RESET_TTL_SECONDS, now) },
    })
    await queueMail(tx, passwordResetMail(user, reset.token, links))
    return user.id
  })
}

/**
 * Sets a new password with a reset token (once, before it expires) and signs the account out
 * everywhere: whoever knew the old password keeps no session. Both happen in one transaction.
 */
export async function confirmPasswordReset(
  prisma: PrismaClient,
  token: string,
  password: string,
  now = new Date(),
): Promise<{ userId: string; revokedSessions: number }> {
  const hash = hashToken(token)
  const user = await prisma.user.findUnique({ where: { passwordResetToken: hash } })
  if (user === null || user.passwordResetExpires === null || user.passwordResetExpires <= now) throw invalidToken()
  assertStrongPassword(password, user.email)
  const passwordHash = await hashPassword(password)
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: user.id, passwordResetToken: hash },
      data: { password: passwordHash, passwordResetToken: null, passwordResetExpires: null },
    })
    if (count !== 1) throw invalidToken()
    const revoked = await tx.session.updateMany({
      where: { userId: user.id, isRevoked: false },
      data: { isRevoked: true, revokedAt: now },
    })
    return { userId: user.id, revokedSessions: revoked.count }
  })
}
