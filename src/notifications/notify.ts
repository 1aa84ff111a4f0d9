import type {
  Notification,
  NotificationChannel,
  NotificationPriority,
  NotificationType,
  Prisma,
  PrismaClient,
} from '../generated/prisma/client.js'
import { queueMail } from '../mail/outbox.js'
import { notificationMail } from '../mail/templates.js'

export interface NewNotification {
  userId: string
  type: NotificationType
  title: string
  message: string
  priority?: NotificationPriority
  category?: string
  /** Where it is delivered; in the app's inbox unless said otherwise. */
  channels?: NotificationChannel[]
  actionUrl?: string
  actionText?: string
  metadata?: Prisma.InputJsonValue
  /** After this instant the notification is no longer shown. */
  expiresAt?: Date
  /** Not shown before this instant. */
  scheduledFor?: Date
}

/** Whether a user's preferences let non-security notifications reach them by mail (default yes). */
function acceptsEmail(preferences: unknown): boolean {
  const notifications = (preferences as { notifications?: { email?: unknown } } | null)?.notifications
  return notifications?.email !== false
}

/**
 * Leaves a notification for a user (a purchase went through, a payment failed, ...). Any part
 * of did-edge may call it; the user reads it through GET /api/v1/notifications. Pass a
 * transaction client to make the notification part of the change it reports.
 *
 * With EMAIL among its channels it is also queued as a mail, in the same transaction, unless
 * the user turned mail off (`preferences.notifications.email: false`); SECURITY notifications
 * are mailed regardless. The stored channels say where it actually went.
 */
export async function createNotification(
  prisma: PrismaClient | Prisma.TransactionClient,
  input: NewNotification,
): Promise<Notification> {
  const { channels: requested = ['IN_APP'], ...fields } = input
  if (requested.length === 0) throw new Error('a notification needs at least one channel')
  let channels = requested
  let recipient: { id: string; email: string; firstName: string } | undefined
  if (requested.includes('EMAIL')) {
    const user = await prisma.user.findUniqueOrThrow({
      where: { id: input.userId },
      select: { id: true, email: true, firstName: true, preferences: true },
    })
    if (input.type === 'SECURITY' || acceptsEmail(user.preferences)) recipient = user
    else channels = requested.filter((c) => c !== 'EMAIL')
    if (channels.length === 0) channels = ['IN_APP']
  }
  const notification = await prisma.notification.create({ data: { ...fields, channels } })
  if (recipient !== undefined) await queueMail(prisma, notificationMail(recipient, notification))
  return notification
}
