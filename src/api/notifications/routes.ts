import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBodySchema } from '../common-schemas.js'
import { idParamsSchema } from '../numbers/schemas.js'
import { paginated } from '../pagination.js'
import {
  listNotificationsQuerySchema,
  notificationPageSchema,
  notificationSchema,
  readAllSchema,
  toNotificationView,
  unreadCountSchema,
} from './schemas.js'
import { countUnread, listNotifications, markAllRead, markRead } from './service.js'

const personal = 'Notifications are personal: every caller, administrators included, sees only their own.'

const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const prisma = app.db.prisma

  app.get(
    '/notifications',
    {
      config: { access: 'authenticated' },
      schema: {
        summary: "The caller's notifications, unread first, then newest first",
        description: `Expired notifications and those scheduled for later are not shown. ${personal}`,
        tags: ['notifications'],
        querystring: listNotificationsQuerySchema,
        response: { 200: notificationPageSchema, 400: errorBodySchema },
      },
    },
    async (request) => {
      const { rows, total, unreadCount } = await listNotifications(prisma, request.principal, request.query)
      return { ...paginated(rows.map(toNotificationView), request.query, total), unreadCount }
    },
  )

  app.get(
    '/notifications/unread-count',
    {
      config: { access: 'authenticated' },
      schema: {
        summary: "How many of the caller's notifications are unread",
        description: personal,
        tags: ['notifications'],
        response: { 200: unreadCountSchema },
      },
    },
    async (request) => ({ unreadCount: await countUnread(prisma, request.principal) }),
  )

  app.post(
    '/notifications/read-all',
    {
      config: { access: 'authenticated', audit: { action: 'UPDATE', resource: 'notification' } },
      schema: {
        summary: 'Mark every notification the caller is shown as read',
        description: personal,
        tags: ['notifications'],
        response: { 200: readAllSchema },
      },
    },
    async (request) => {
      const updated = await markAllRead(prisma, request.principal)
      request.audit.newValues = { isRead: true, updated }
      return { updated }
    },
  )

  app.post(
    '/notifications/:id/read',
    {
      config: { access: 'authenticated', audit: { action: 'UPDATE', resource: 'notification' } },
      schema: {
        summary: 'Mark a notification as read',
        description: `Marking a read notification again keeps its first readAt. ${personal}`,
        tags: ['notifications'],
        params: idParamsSchema,
        response: { 200: notificationSchema, 404: errorBodySchema },
      },
    },
    async (request) => {
      request.audit.resourceId = request.params.id
      const { previous, row } = await markRead(prisma, request.principal, request.params.id)
      request.audit.oldValues = { isRead: previous.isRead, readAt: previous.readAt }
      request.audit.newValues = { isRead: row.isRead, readAt: row.readAt }
      return toNotificationView(row)
    },
  )
}

export default notificationRoutes
