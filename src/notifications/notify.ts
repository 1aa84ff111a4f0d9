import type {
  Notification,
  NotificationChannel,
  NotificationPriority,
  NotificationType,
  Prisma,
  PrismaClient,
} from '../generated/prisma/client.js'

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

/**
 * Leaves a notification for a user (a purchase went through, a payment failed, ...). Any part
 * of did-edge may call it; the user reads it through GET /api/v1/notifications. Pass a
 * transaction client to make the notification part of the change it reports.
 */
export async function createNotification(
  prisma: PrismaClient | Prisma.TransactionClient,
  input: NewNotification,
): Promise<Notification> {
  const { channels = ['IN_APP'], ...fields } = input
  if (channels.length === 0) throw new Error('a notification needs at least one channel')
  return prisma.notification.create({ data: { ...fields, channels } })
}
