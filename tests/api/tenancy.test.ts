import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

// The tenancy matrix of the management API: one USER (alice) against everything another USER
// (bob) owns. Every attempt must look exactly like a resource that does not exist (404), lists
// must leave bob's rows out, and nothing of bob's may change. SUPPORT reads across tenants but
// writes nothing; ADMIN does both.

const configuration = {
  name: 'Always voicemail',
  isActive: true,
  timezone: 'UTC',
  routingRules: {
    defaultAction: 'voicemail',
    timeBasedRules: [],
    geographicRules: [],
    callerIdRules: [],
    failoverRules: [],
  },
}

t.test('tenancy', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const support = await createUserWithKey(prisma, 'SUPPORT')
  const admin = await createUserWithKey(prisma, 'ADMIN')

  // Everything bob owns.
  const created = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: bob.auth, payload: numberBody({ tags: ['bob'] }) })
  t.equal(created.statusCode, 201)
  const number = created.json() as { id: string; phoneNumber: string }
  const configured = await app.inject({
    method: 'POST',
    url: `/api/v1/numbers/${number.id}/configurations`,
    headers: bob.auth,
    payload: configuration,
  })
  t.equal(configured.statusCode, 201, configured.body)
  const configId = configured.json().id as string
  const call = await prisma.callLog.create({
    data: {
      userId: bob.user.id,
      numberId: number.id,
      twilioCallSid: `CA${randomBytes(16).toString('hex')}`,
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      fromNumber: '+12125550100',
      toNumber: number.phoneNumber,
      direction: 'INBOUND',
      status: 'COMPLETED',
      duration: 61,
      price: '0.0170',
    },
  })
  await prisma.smsLog.create({
    data: {
      numberId: number.id,
      twilioMessageSid: `SM${randomBytes(16).toString('hex')}`,
      twilioAccountSid: `AC${'a'.repeat(32)}`,
      fromNumber: '+12125550100',
      toNumber: number.phoneNumber,
      direction: 'INBOUND',
      body: 'for bob only',
      status: 'DELIVERED',
    },
  })
  const account = await prisma.billingAccount.create({ data: { userId: bob.user.id, billingAddress: {} } })
  await prisma.usageRecord.create({
    data: {
      billingAccountId: account.id,
      recordType: 'VOICE_MINUTES',
      resourceId: call.twilioCallSid,
      quantity: '2',
      unit: 'minutes',
      unitPrice: '0.0085',
      totalCost: '0.0170',
      usageDate: new Date(),
      billingPeriod: new Date().toISOString().slice(0, 7),
    },
  })
  const bobKey = await prisma.apiKey.findFirstOrThrow({ where: { userId: bob.user.id } })
  const session = await prisma.session.create({
    data: {
      userId: bob.user.id,
      refreshToken: createHash('sha256').update(randomBytes(32)).digest('hex'),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  })
  const notification = await prisma.notification.create({
    data: { userId: bob.user.id, type: 'SYSTEM', title: 'For bob', message: 'only bob reads this' },
  })

  const period = new Date().toISOString().slice(0, 7)
  const n = `/api/v1/numbers/${number.id}`

  t.test("a USER gets 404 for every one of another USER's resources", async (t) => {
    const attempts: Array<[string, string, object?]> = [
      ['GET', n],
      ['PATCH', n, { friendlyName: 'mine now' }],
      ['GET', `${n}/configurations`],
      ['POST', `${n}/configurations`, configuration],
      ['GET', `${n}/configurations/${configId}`],
      ['PATCH', `${n}/configurations/${configId}`, { name: 'mine now' }],
      ['DELETE', `${n}/configurations/${configId}`],
      ['POST', `${n}/simulate`, { call: { from: '+12125550100' } }],
      ['POST', '/api/v1/routing/simulate', { numberId: number.id, call: { from: '+12125550100' } }],
      ['GET', `/api/v1/call-logs/${call.id}`],
      ['DELETE', `/api/v1/api-keys/${bobKey.id}`],
      ['DELETE', `/api/v1/auth/sessions/${session.id}`],
      ['POST', `/api/v1/notifications/${notification.id}/read`],
    ]
    for (const [method, url, payload] of attempts) {
      const res = await app.inject({ method: method as 'GET', url, headers: alice.auth, ...(payload ? { payload } : {}) })
      t.equal(res.statusCode, 404, `${method} ${url}`)
      t.equal(res.json().code, 'NOT_FOUND', `${method} ${url}`)
    }
  })

  t.test("a USER's lists and totals leave another USER's rows out", async (t) => {
    const get = async (url: string) => {
      const res = await app.inject({ url, headers: alice.auth })
      t.equal(res.statusCode, 200, url)
      return res.json()
    }
    t.same((await get('/api/v1/numbers')).data, [])
    t.same((await get('/api/v1/call-logs')).data, [])
    t.same((await get('/api/v1/sms-logs')).data, [])
    t.same((await get('/api/v1/usage')).data, [])
    t.equal(Number((await get(`/api/v1/usage/summary?period=${period}`)).totalCost), 0)
    const day = 86_400_000
    const span = `from=${new Date(Date.now() - day).toISOString()}&to=${new Date(Date.now() + day).toISOString()}`
    t.equal((await get(`/api/v1/analytics/calls?${span}&groupBy=number`)).totals.calls, 0)
    const supportView = await app.inject({ url: `/api/v1/analytics/calls?${span}&groupBy=number`, headers: support.auth })
    t.equal(supportView.json().totals.calls, 1, 'while support, reading every tenant, counts the call')
    t.same((await get('/api/v1/notifications')).data, [])
    t.equal((await get('/api/v1/notifications/unread-count')).unreadCount, 0)
    t.notOk((await get('/api/v1/api-keys')).data.some((k: { id: string }) => k.id === bobKey.id))
    t.notOk((await get('/api/v1/auth/sessions')).data.some((s: { id: string }) => s.id === session.id))
    const readAll = await app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: alice.auth })
    t.equal(readAll.json().updated, 0)
  })

  t.test('a USER is refused the administrators\' routes', async (t) => {
    for (const url of ['/api/v1/users', `/api/v1/users/${bob.user.id}`, '/api/v1/audit-logs']) {
      t.equal((await app.inject({ url, headers: alice.auth })).statusCode, 403, url)
    }
    const suspend = await app.inject({ method: 'POST', url: `/api/v1/users/${bob.user.id}/suspend`, headers: alice.auth, payload: { reason: 'x' } })
    t.equal(suspend.statusCode, 403)
  })

  t.test("nothing of the other USER's changed", async (t) => {
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: number.id } })).friendlyName, null)
    t.equal((await prisma.numberConfiguration.findUniqueOrThrow({ where: { id: configId } })).name, configuration.name)
    t.equal((await prisma.apiKey.findUniqueOrThrow({ where: { id: bobKey.id } })).isActive, true)
    t.equal((await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).isRevoked, false)
    t.equal((await prisma.notification.findUniqueOrThrow({ where: { id: notification.id } })).isRead, false)
    t.equal((await prisma.user.findUniqueOrThrow({ where: { id: bob.user.id } })).isSuspended, false)
  })

  t.test('SUPPORT reads every tenant and changes nothing', async (t) => {
    for (const url of [n, `${n}/configurations/${configId}`, `/api/v1/call-logs/${call.id}`, `/api/v1/users/${bob.user.id}`]) {
      t.equal((await app.inject({ url, headers: support.auth })).statusCode, 200, url)
    }
    t.equal((await app.inject({ url: '/api/v1/call-logs', headers: support.auth })).json().pagination.total, 1)
    const patch = await app.inject({ method: 'PATCH', url: n, headers: support.auth, payload: { friendlyName: 'support was here' } })
    t.equal(patch.statusCode, 403)
    const del = await app.inject({ method: 'DELETE', url: `${n}/configurations/${configId}`, headers: support.auth })
    t.equal(del.statusCode, 403)
  })

  t.test('ADMIN reads and changes every tenant', async (t) => {
    t.equal((await app.inject({ url: n, headers: admin.auth })).statusCode, 200)
    const patch = await app.inject({ method: 'PATCH', url: n, headers: admin.auth, payload: { friendlyName: 'Set by admin' } })
    t.equal(patch.statusCode, 200)
    t.equal(patch.json().friendlyName, 'Set by admin')
  })
})
