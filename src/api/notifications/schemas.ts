import { z } from 'zod'
import type { Notification } from '../../generated/prisma/client.js'
import { listParam, paginatedSchema, paginationQuery, queryBoolean } from '../pagination.js'

export const notificationTypeSchema = z.enum(['SYSTEM', 'BILLING', 'CALL', 'SMS', 'SECURITY', 'MARKETING', 'SUPPORT'])
export const notificationChannelSchema = z.enum(['EMAIL', 'SMS', 'PUSH', 'IN_APP', 'WEBHOOK'])
export const notificationPrioritySchema = z.enum(['LOW', 'MEDIUM', 'HIGH', 'URGENT'])

// The order is fixed (unread first, then newest first), so only the page is chosen.
const { page, limit } = paginationQuery(['createdAt'], 'createdAt')

export const listNotificationsQuerySchema = z.strictObject({
  page,
  limit,
  isRead: queryBoolean.optional(),
  type: listParam(notificationTypeSchema).describe('One or more types (repeated or comma-separated)'),
})

export type ListNotificationsQuery = z.infer<typeof listNotificationsQuerySchema>

export const notificationSchema = z.object({
  id: z.string(),
  userId: z.string(),
  type: notificationTypeSchema,
  title: z.string(),
  message: z.string(),
  channels: z.array(notificationChannelSchema),
  isRead: z.boolean(),
  readAt: z.iso.datetime().nullable(),
  scheduledFor: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  priority: notificationPrioritySchema,
  category: z.string().nullable(),
  actionUrl: z.string().nullable(),
  actionText: z.string().nullable(),
  metadata: z.unknown(),
  expiresAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

export type NotificationView = z.infer<typeof notificationSchema>

const unreadCount = z.number().int().describe('Unread notifications shown to the caller, whatever the filters')

export const notificationPageSchema = paginatedSchema(notificationSchema).extend({ unreadCount })
export const unreadCountSchema = z.object({ unreadCount })
export const readAllSchema = z.object({ updated: z.number().int().describe('How many were marked read') })

const iso = (d: Date | null) => d?.toISOString() ?? null

export function toNotificationView(n: Notification): NotificationView {
  return {
    id: n.id,
    userId: n.userId,
    type: n.type,
    title: n.title,
    message: n.message,
    channels: n.channels,
    isRead: n.isRead,
    readAt: iso(n.readAt),
    scheduledFor: iso(n.scheduledFor),
    deliveredAt: iso(n.deliveredAt),
    priority: n.priority,
    category: n.category,
    actionUrl: n.actionUrl,
    actionText: n.actionText,
    metadata: n.metadata,
    expiresAt: iso(n.expiresAt),
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  }
}
