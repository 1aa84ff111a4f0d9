import { randomUUID } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createTenants, createUserWithKey } from '../helpers/users.js'

t.test('GET /orders and /orders/:id', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: 'https://edge.example.com' })
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  fake.addAvailable({ phoneNumber: '+13105550101' }, { phoneNumber: '+13105550102' }, { phoneNumber: '+13105550103' })
  fake.unavailable.add('+13105550103')
  const buy = async (auth: Record<string, string>, phoneNumbers: string[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/numbers/purchase', headers: { ...auth, 'idempotency-key': randomUUID() }, payload: { phoneNumbers } })
    t.equal(res.statusCode, 201)
    return res.json() as { id: string; orderNumber: string; status: string }
  }
  const aliceCompleted = await buy(alice.auth, ['+13105550101'])
  const aliceFailed = await buy(alice.auth, ['+13105550103'])
  const bobs = await buy(bob.auth, ['+13105550102'])
  const get = (url: string, auth: Record<string, string>) => app.inject({ url: `/api/v1${url}`, headers: auth })

  t.test('an order reads back with its items, as the purchase answered it', async (t) => {
    const res = await get(`/orders/${aliceCompleted.id}`, alice.auth)
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      id: aliceCompleted.id,
      orderNumber: aliceCompleted.orderNumber,
      status: 'COMPLETED',
      totalAmount: '1.15',
      items: [
        { itemType: 'PHONE_NUMBER', description: 'Phone number +13105550101 (local, US)', quantity: 1 },
        { itemType: 'MONTHLY_FEE', unitPrice: '1.15', totalPrice: '1.15' },
      ],
    })
    const number = await prisma.number.findUniqueOrThrow({ where: { phoneNumber: '+13105550101' } })
    t.equal(res.json().items[0].itemId, number.id)
  })

  t.test("a user lists their own orders, newest first, and filters by status; never another user's", async (t) => {
    const res = await get('/orders', alice.auth)
    t.equal(res.statusCode, 200)
    t.same(res.json().data.map((o: { id: string }) => o.id), [aliceFailed.id, aliceCompleted.id])
    t.match(res.json().pagination, { total: 2, page: 1 })
    const failed = await get('/orders?status=FAILED', alice.auth)
    t.same(failed.json().data.map((o: { id: string }) => o.id), [aliceFailed.id])
    const oldestFirst = await get('/orders?sortOrder=asc&limit=1', alice.auth)
    t.same(oldestFirst.json().data.map((o: { id: string }) => o.id), [aliceCompleted.id])
    t.match(oldestFirst.json().pagination, { total: 2, hasNext: true })
  })

  t.test("another user's order answers 404", async (t) => {
    const res = await get(`/orders/${bobs.id}`, alice.auth)
    t.equal(res.statusCode, 404)
    t.equal(res.json().code, 'NOT_FOUND')
    t.equal((await get('/orders/no-such-order', alice.auth)).statusCode, 404)
  })

  t.test('administrators and support read every tenant', async (t) => {
    for (const who of [admin, support]) {
      t.equal((await get(`/orders/${bobs.id}`, who.auth)).statusCode, 200)
      t.equal((await get('/orders', who.auth)).json().pagination.total, 3)
    }
  })

  t.test('a key without read:billing answers 403; bad queries 400', async (t) => {
    const numbersOnly = await createUserWithKey(prisma, 'USER', ['read:numbers', 'write:numbers'])
    t.equal((await get('/orders', numbersOnly.auth)).statusCode, 403)
    t.equal((await get(`/orders/${aliceCompleted.id}`, numbersOnly.auth)).statusCode, 403)
    t.equal((await get('/orders?status=SHIPPED', alice.auth)).statusCode, 400)
    t.equal((await get('/orders?sortBy=userId', alice.auth)).statusCode, 400)
  })
})
