import { notFound } from '../../errors.js'
import type { Notification, Prisma, PrismaClient } from '../../generated/prisma/client.js'
import type { Principal } from '../../auth/principal.js'
import { pageWindow } from '../pagination.js'
import type { ListNotificationsQuery } from './schemas.js'

/*
 * Notifications are personal: every caller, administrators included, sees and marks only their
 * own. Someone else's notification does not exist for them (404).
 */

/** What the user is shown at `now`: theirs, not expired, and not scheduled for later. */
function shown(principal: Principal, now: Date): Prisma.NotificationWhereInput {
  return {
    userId: principal.user.id,
    AND: [
      { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      { OR: [{ scheduledFor: null }, { scheduledFor: { lte: now } }] },
    ],
  }
}

export function countUnread(prisma: PrismaClient, principal: Principal, now = new Date()): Promise<number> {
  return prisma.notification.count({ where: { ...shown(principal, now), isRead: false } })
}

/** A page of the caller's notifications, unread first, then newest first. */
export async function listNotifications(
  prisma: PrismaClient,
  principal: Principal,
  query: ListNotificationsQuery,
  now = new Date(),
): Promise<{ rows: Notification[]; total: number; unreadCount: number }> {
  const where: Prisma.NotificationWhereInput = { ...shown(principal, now) }
  if (query.isRead !== undefined) where.isRead = query.isRead
  if (query.type !== undefined) where.type = { in: query.type }
  const [rows, total, unreadCount] = await Promise.all([
    prisma.notification.findMany({
      where,
      orderBy: [{ isRead: 'asc' }, { createdAt: 'desc' }, { id: 'desc' }],
      ...pageWindow(query),
    }),
    prisma.notification.count({ where }),
    countUnread(prisma, principal, now),
  ])
  return { rows, total, unreadCount }
}

/**
 * Marks one of the caller's notifications read. Reading it again keeps the first readAt: the
 * update only touches an unread row, so two concurrent reads cannot both stamp it.
 */
export async function markRead(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  now = new Date(),
): Promise<{ previous: Notification; row: Notification }> {
  const where = { id, userId: principal.user.id }
  const previous = await prisma.notification.findFirst({ where })
  if (previous === null) throw notFound('notification')
  await prisma.notification.updateMany({ where: { ...where, isRead: false }, data: { isRead: true, readAt: now } })
  const row = await prisma.notification.findFirst({ where })
  if (row === null) throw notFound('notification')
  return { previous, row }
}

/** Marks every notification the caller is shown as read; returns how many changed. */
export async function markAllRead(prisma: PrismaClient, principal: Principal, now = new Date()): Promise<number> {
  const { count } = await prisma.notification.updateMany({
    where: { ...shown(principal, now), isRead: false },
    data: { isRead: true, readAt: now },
  })
  return count
}
