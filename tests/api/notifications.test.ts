import t from 'tap'
import { createNotification } from '../../src/notifications/notify.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey } from '../helpers/users.js'

const DAY = 86_400_000

t.test('notifications API', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const bob = await createUserWithKey(prisma)
  const now = Date.now()

  /**
   * A user's inbox: what is shown, in the order it must come (unread newest first, then read
   * newest first), and what is not shown (expired, scheduled for later).
   */
  async function inbox() {
    const owner = await createUserWithKey(prisma)
    const make = async (title: string, daysAgo: number, extra: Partial<Parameters<typeof createNotification>[1]> = {}, read = false) => {
      const n = await createNotification(prisma, { userId: owner.user.id, type: 'SYSTEM', title, message: `${title} body`, ...extra })
      return prisma.notification.update({
        where: { id: n.id },
        data: { createdAt: new Date(now - daysAgo * DAY), ...(read && { isRead: true, readAt: new Date(now - daysAgo * DAY) }) },
      })
    }
    const shown = {
      billing: await make('Invoice ready', 1, { type: 'BILLING', expiresAt: new Date(now + DAY) }),
      recent: await make('Recent unread', 2),
      old: await make('Old unread', 4),
      delivered: await make('Was scheduled', 5, { scheduledFor: new Date(now - DAY), type: 'SECURITY' }),
      readNew: await make('Read, newest of all', 0.5, {}, true),
      readOld: await make('Read, older', 3, { type: 'BILLING' }, true),
    }
    const hidden = {
      expired: await make('Expired', 1.5, { expiresAt: new Date(now - 60_000) }),
      later: await make('Scheduled for later', 0, { scheduledFor: new Date(now + DAY) }),
    }
    const order = [shown.billing, shown.recent, shown.old, shown.delivered, shown.readNew, shown.readOld].map((n) => n.id)
    return { ...owner, shown, hidden, order }
  }

  const get = async (auth: Record<string, string>, url: string) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/notifications${url}`, headers: auth })
    t.equal(res.statusCode, 200, `GET /notifications${url} answers 200`)
    return res.json()
  }
  const read = (auth: Record<string, string>, id: string) =>
    app.inject({ method: 'POST', url: `/api/v1/notifications/${id}/read`, headers: auth })
  const readAll = (auth: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: auth })

  t.test('createNotification fills the defaults: in-app, medium priority, unread', async (t) => {
    const n = await createNotification(prisma, { userId: bob.user.id, type: 'CALL', title: 'Missed call', message: 'From +12125550142' })
    t.match(n, { userId: bob.user.id, channels: ['IN_APP'], priority: 'MEDIUM', isRead: false, readAt: null, expiresAt: null })
    const full = await createNotification(prisma, {
      userId: bob.user.id,
      type: 'BILLING',
      title: 'Number purchased',
      message: '+14155550123 is yours',
      priority: 'HIGH',
      category: 'orders',
      channels: ['IN_APP', 'EMAIL'],
      actionUrl: '/numbers/abc',
      actionText: 'Configure it',
      metadata: { orderId: 'o1' },
    })
    t.match(full, { channels: ['IN_APP', 'EMAIL'], priority: 'HIGH', category: 'orders', metadata: { orderId: 'o1' } })
  })

  t.test('the list shows unread first, then newest first, hides expired and future ones, and counts unread', async (t) => {
    const alice = await inbox()
    const body = await get(alice.auth, '')
    t.same(body.data.map((n: { id: string }) => n.id), alice.order)
    t.same(body.pagination, { page: 1, limit: 20, total: 6, totalPages: 1, hasNext: false, hasPrevious: false })
    t.equal(body.unreadCount, 4)
    t.match(body.data[0], {
      id: alice.shown.billing.id,
      userId: alice.user.id,
      type: 'BILLING',
      title: 'Invoice ready',
      isRead: false,
      readAt: null,
      channels: ['IN_APP'],
      expiresAt: new Date(now + DAY).toISOString(),
    })
    const ids = body.data.map((n: { id: string }) => n.id)
    t.notOk(ids.includes(alice.hidden.expired.id), 'expired is hidden')
    t.notOk(ids.includes(alice.hidden.later.id), 'scheduled for later is hidden')
    t.same(await get(alice.auth, '/unread-count'), { unreadCount: 4 })
  })

  t.test('isRead and type filter the list; unreadCount stays the whole inbox', async (t) => {
    const alice = await inbox()
    const readOnes = await get(alice.auth, '?isRead=true')
    t.same(readOnes.data.map((n: { id: string }) => n.id), [alice.shown.readNew.id, alice.shown.readOld.id])
    t.equal(readOnes.unreadCount, 4)
    const unread = await get(alice.auth, '?isRead=false')
    t.same(unread.data.map((n: { id: string }) => n.id), alice.order.slice(0, 4))
    const billing = await get(alice.auth, '?type=BILLING')
    t.same(billing.data.map((n: { id: string }) => n.id), [alice.shown.billing.id, alice.shown.readOld.id])
    const two = await get(alice.auth, '?type=BILLING,SECURITY&isRead=false')
    t.same(two.data.map((n: { id: string }) => n.id), [alice.shown.billing.id, alice.shown.delivered.id])
  })

  t.test('the list is paginated in the same order', async (t) => {
    const alice = await inbox()
    const second = await get(alice.auth, '?limit=4&page=2')
    t.same(second.data.map((n: { id: string }) => n.id), alice.order.slice(4))
    t.same(second.pagination, { page: 2, limit: 4, total: 6, totalPages: 2, hasNext: false, hasPrevious: true })
  })

  t.test("notifications are personal: nobody, administrators included, sees another user's", async (t) => {
    const alice = await inbox()
    const bobs = await get(bob.auth, '?limit=100')
    t.ok(bobs.data.length > 0)
    t.ok(bobs.data.every((n: { userId: string }) => n.userId === bob.user.id))
    const admins = await get(admin.auth, '')
    t.same(admins.data, [])
    t.equal(admins.unreadCount, 0)
    t.same(await get(admin.auth, '/unread-count'), { unreadCount: 0 })
    for (const who of [bob, admin]) {
      const res = await read(who.auth, alice.shown.recent.id)
      t.equal(res.statusCode, 404)
      t.equal(res.json().code, 'NOT_FOUND')
    }
    t.equal((await readAll(bob.auth)).statusCode, 200)
    const after = await prisma.notification.findUniqueOrThrow({ where: { id: alice.shown.recent.id } })
    t.equal(after.isRead, false, "someone else's read and read-all leave it unread")
    t.equal((await read(alice.auth, 'no-such-notification')).statusCode, 404)
  })

  t.test('reading marks it read with readAt, once: reading it again keeps the first readAt', async (t) => {
    const alice = await inbox()
    const id = alice.shown.old.id
    const first = await read(alice.auth, id)
    t.equal(first.statusCode, 200)
    t.match(first.json(), { id, isRead: true, title: 'Old unread' })
    const readAt = first.json().readAt
    t.ok(Date.parse(readAt) >= now)
    t.equal((await get(alice.auth, '/unread-count')).unreadCount, 3)
    const listed = await get(alice.auth, '')
    t.same(listed.data.map((n: { id: string }) => n.id).slice(0, 3), alice.order.filter((x) => x !== id).slice(0, 3), 'it moved among the read')
    const again = await read(alice.auth, id)
    t.equal(again.statusCode, 200)
    t.equal(again.json().readAt, readAt)
    t.equal((await prisma.notification.findUniqueOrThrow({ where: { id } })).readAt?.toISOString(), readAt)

    const audits = await prisma.auditLog.findMany({ where: { resource: 'notification', resourceId: id }, orderBy: { createdAt: 'asc' } })
    t.equal(audits.length, 2)
    t.match(audits[0], {
      userId: alice.user.id,
      action: 'UPDATE',
      method: 'POST',
      success: true,
      oldValues: { isRead: false, readAt: null },
      newValues: { isRead: true, readAt },
    })
  })

  t.test('read-all marks every shown notification read, not the hidden ones, and says how many', async (t) => {
    const alice = await inbox()
    const res = await readAll(alice.auth)
    t.equal(res.statusCode, 200)
    t.same(res.json(), { updated: 4 })
    t.equal((await get(alice.auth, '')).unreadCount, 0)
    const hidden = await prisma.notification.findMany({ where: { id: { in: [alice.hidden.expired.id, alice.hidden.later.id] } } })
    t.ok(hidden.every((n) => !n.isRead), 'expired and future notifications are left alone')
    const readOld = await prisma.notification.findUniqueOrThrow({ where: { id: alice.shown.readOld.id } })
    t.same(readOld.readAt, alice.shown.readOld.readAt, 'already read ones keep their readAt')
    t.same((await readAll(alice.auth)).json(), { updated: 0 })
    const audits = await prisma.auditLog.findMany({
      where: { resource: 'notification', userId: alice.user.id, endpoint: '/api/v1/notifications/read-all' },
      orderBy: { createdAt: 'asc' },
    })
    t.match(audits, [
      { action: 'UPDATE', success: true, newValues: { updated: 4 } },
      { action: 'UPDATE', success: true, newValues: { updated: 0 } },
    ])
  })

  const refusals: Array<[string, string, RegExp]> = [
    ['isRead other than true or false', '?isRead=yes', /^querystring\.isRead: must be true or false/],
    ['an unknown type', '?type=BILLING,SPAM', /^querystring\.type\[1\]: /],
    ['an unknown query parameter', '?sortBy=createdAt', /^querystring: Unrecognized key: "sortBy"/],
    ['a page size over 100', '?limit=500', /^querystring\.limit: /],
  ]
  for (const [what, query, message] of refusals) {
    t.test(`${what} answers 400 naming the parameter`, async (t) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/notifications${query}`, headers: bob.auth })
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
    })
  }

  t.test('every notifications route needs credentials (401), and no permission beyond them', async (t) => {
    const routes = [
      { method: 'GET', url: '/api/v1/notifications' },
      { method: 'GET', url: '/api/v1/notifications/unread-count' },
      { method: 'POST', url: '/api/v1/notifications/read-all' },
      { method: 'POST', url: '/api/v1/notifications/x/read' },
    ] as const
    for (const route of routes) t.equal((await app.inject(route)).statusCode, 401, `${route.method} ${route.url}`)
    const narrow = await createUserWithKey(prisma, 'USER', ['read:logs'])
    t.equal((await app.inject({ ...routes[0], headers: narrow.auth })).statusCode, 200)
    t.equal((await app.inject({ ...routes[2], headers: narrow.auth })).statusCode, 200)
  })
})
