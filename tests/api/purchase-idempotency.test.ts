import { randomUUID } from 'node:crypto'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey } from '../helpers/users.js'

t.test('the Idempotency-Key of POST /numbers/purchase', async (t) => {
  const fake = await startFakeTwilio(t)
  const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: 'https://edge.example.com' })
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const purchase = (payload: object, key: string, auth: Record<string, string> = alice.auth) =>
    app.inject({ method: 'POST', url: '/api/v1/numbers/purchase', headers: { ...auth, 'idempotency-key': key }, payload })
  let next = 200
  const forSale = (count: number) =>
    Array.from({ length: count }, () => {
      const phoneNumber = `+1212555${String(next++).padStart(4, '0')}`
      fake.addAvailable({ phoneNumber, region: 'NY' })
      return phoneNumber
    })
  const itemStates = async (orderId: string) => {
    const items = await prisma.orderItem.findMany({ where: { orderId, itemType: 'PHONE_NUMBER' } })
    return Object.fromEntries(items.map((i) => [(i.metadata as { phoneNumber: string }).phoneNumber, (i.metadata as { purchase: string }).purchase]))
  }

  t.test('the same key twice returns the same order and buys nothing the second time', async (t) => {
    const numbers = forSale(2)
    const key = randomUUID()
    const first = await purchase({ phoneNumbers: numbers }, key)
    t.equal(first.statusCode, 201)
    const again = await purchase({ phoneNumbers: [...numbers].reverse() }, key)
    t.equal(again.statusCode, 200, 'a replay answers 200')
    t.same(again.json(), first.json(), 'the same order, unchanged')
    for (const n of numbers) t.equal(fake.purchasesOf(n).length, 1, `${n} bought once`)
    t.equal(await prisma.order.count({ where: { userId: alice.user.id, idempotencyKey: key } }), 1)
    t.equal(await prisma.notification.count({ where: { metadata: { path: ['orderId'], equals: first.json().id } } }), 1, 'one notification')
  })

  t.test('the same key for a different purchase answers 409 and buys nothing', async (t) => {
    const [a, b] = forSale(2) as [string, string]
    const key = randomUUID()
    t.equal((await purchase({ phoneNumbers: [a] }, key)).statusCode, 201)
    const other = await purchase({ phoneNumbers: [b] }, key)
    t.equal(other.statusCode, 409)
    t.match(other.json().message, /Idempotency-Key was already used for a different purchase/)
    const promo = await purchase({ phoneNumbers: [a], promotionCode: 'WELCOME10' }, key)
    t.equal(promo.statusCode, 409)
    t.equal(fake.purchasesOf(b).length, 0)
  })

  t.test("keys are per user: another user's identical key is another order", async (t) => {
    const [a, b] = forSale(2) as [string, string]
    const key = randomUUID()
    const mine = await purchase({ phoneNumbers: [a] }, key)
    const theirs = await purchase({ phoneNumbers: [b] }, key, bob.auth)
    t.equal(mine.statusCode, 201)
    t.equal(theirs.statusCode, 201)
    t.not(mine.json().id, theirs.json().id)
    t.equal(theirs.json().userId, bob.user.id)
  })

  t.test('a purchase interrupted after Twilio bought a number resumes with the same key without buying it again', async (t) => {
    const [a, b, c] = forSale(3) as [string, string, string]
    const key = randomUUID()
    // Twilio buys b but the answer never arrives, and the check that follows fails too: did-edge
    // cannot know whether b was bought, so it must stop and keep the order.
    fake.hangUpAfterBuying.add(b)
    fake.fail({ method: 'GET', path: /IncomingPhoneNumbers\.json$/, status: 503, code: 20503, message: 'Service Unavailable', times: 1 })
    const interrupted = await purchase({ phoneNumbers: [a, b, c] }, key)
    t.equal(interrupted.statusCode, 502)
    const body = interrupted.json()
    t.match(body, {
      code: 'UPSTREAM_ERROR',
      message: /Service Unavailable.*repeat the request with the same Idempotency-Key to resume/,
      details: { twilioCode: 20503, status: 503, orderId: String, orderNumber: /^ORD-/ },
    })
    const orderId = body.details.orderId as string
    t.equal((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status, 'PENDING', 'handed back for resumption')
    t.same(await itemStates(orderId), { [a]: 'BOUGHT', [b]: 'BUYING', [c]: 'PENDING' })
    t.ok(fake.ownedByNumber(b), 'Twilio did buy b')
    t.equal(fake.purchasesOf(c).length, 0, 'c was not tried')
    fake.hangUpAfterBuying.delete(b)

    const resumed = await purchase({ phoneNumbers: [a, b, c] }, key)
    t.equal(resumed.statusCode, 200)
    t.match(resumed.json(), { id: orderId, status: 'COMPLETED', totalAmount: '3.45' })
    for (const n of [a, b, c]) t.equal(fake.purchasesOf(n).length, 1, `${n} bought exactly once`)
    const rowB = await prisma.number.findUniqueOrThrow({ where: { phoneNumber: b } })
    t.equal(rowB.twilioSid, fake.ownedByNumber(b)!.sid, "b's row is the number Twilio sold")
    t.equal(rowB.orderId, orderId)
    t.same(await itemStates(orderId), { [a]: 'BOUGHT', [b]: 'BOUGHT', [c]: 'BOUGHT' })
  })

  t.test('an order left PROCESSING by a process that died is resumed once its claim has lapsed, not before', async (t) => {
    const [a, b] = forSale(2) as [string, string]
    const key = randomUUID()
    fake.hangUpAfterBuying.add(a)
    fake.fail({ method: 'GET', path: /IncomingPhoneNumbers\.json$/, hangUp: true, times: 1 })
    const interrupted = await purchase({ phoneNumbers: [a, b] }, key)
    t.equal(interrupted.statusCode, 502)
    fake.hangUpAfterBuying.delete(a)
    const orderId = interrupted.json().details.orderId as string
    // As a crash would leave it: still claimed, claim renewed just now.
    await prisma.$executeRaw`UPDATE orders SET status = 'PROCESSING', updated_at = now() WHERE id = ${orderId}`
    const busy = await purchase({ phoneNumbers: [a, b] }, key)
    t.equal(busy.statusCode, 409)
    t.match(busy.json().message, /is in progress/)
    t.equal(fake.purchasesOf(b).length, 0)

    await prisma.$executeRaw`UPDATE orders SET updated_at = now() - interval '10 minutes' WHERE id = ${orderId}`
    const resumed = await purchase({ phoneNumbers: [a, b] }, key)
    t.equal(resumed.statusCode, 200)
    t.equal(resumed.json().status, 'COMPLETED')
    t.equal(fake.purchasesOf(a).length, 1, 'a, bought before the crash, was adopted')
    t.equal(fake.purchasesOf(b).length, 1)
  })

  t.test('two concurrent requests with one key make one order and buy each number once', async (t) => {
    const numbers = forSale(3)
    const key = randomUUID()
    const answers = await Promise.all([purchase({ phoneNumbers: numbers }, key), purchase({ phoneNumbers: numbers }, key)])
    const statuses = answers.map((r) => r.statusCode).sort()
    t.ok(statuses.includes(201), `one request created the order (${statuses})`)
    t.ok(statuses.every((s) => s === 200 || s === 201 || s === 409), `the other replayed it or was told it is in progress (${statuses})`)
    t.equal(await prisma.order.count({ where: { idempotencyKey: key } }), 1)
    for (const n of numbers) t.ok(fake.purchasesOf(n).length === 1, `${n} bought once`)
    const settled = await purchase({ phoneNumbers: numbers }, key)
    t.equal(settled.json().status, 'COMPLETED')
  })
})
