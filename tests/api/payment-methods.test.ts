import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey } from '../helpers/users.js'

const nextYear = new Date().getUTCFullYear() + 1

function card(overrides: Record<string, unknown> = {}) {
  return { processor: 'STRIPE', type: 'CARD', externalId: `pm_${Math.random().toString(36).slice(2)}`, last4: '4242', brand: 'visa', expiryMonth: 8, expiryYear: nextYear, ...overrides }
}

t.test('payment methods', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const base = '/api/v1/billing/payment-methods'
  const add = (auth: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url: base, headers: auth, payload: payload as object })
  const patch = (auth: Record<string, string>, id: string, payload: unknown) =>
    app.inject({ method: 'PATCH', url: `${base}/${id}`, headers: auth, payload: payload as object })
  const remove = (auth: Record<string, string>, id: string) => app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: auth })
  const list = async (auth: Record<string, string>, query = '') => {
    const res = await app.inject({ method: 'GET', url: `${base}${query}`, headers: auth })
    t.equal(res.statusCode, 200)
    return res.json().data as { id: string; isDefault: boolean }[]
  }
  /** The database's word: which active methods are default, and what the account names. */
  const defaults = async (userId: string) => {
    const account = await prisma.billingAccount.findUniqueOrThrow({ where: { userId } })
    const rows = await prisma.paymentMethod.findMany({ where: { billingAccountId: account.id, isDefault: true } })
    return { flagged: rows.map((r) => r.id), named: account.defaultPaymentMethod }
  }
  const newCustomer = () => createUserWithKey(prisma)

  t.test("an account's first method becomes its default, whatever it asked", async (t) => {
    const carol = await newCustomer()
    const res = await add(carol.auth, card({ isDefault: false }))
    t.equal(res.statusCode, 201)
    t.match(res.json(), { processor: 'STRIPE', type: 'CARD', last4: '4242', brand: 'visa', expiryMonth: 8, expiryYear: nextYear, isDefault: true })
    t.same(await defaults(carol.user.id), { flagged: [res.json().id], named: res.json().id })
    const account = await app.inject({ method: 'GET', url: '/api/v1/billing/account', headers: carol.auth })
    t.match(account.json(), { defaultPaymentMethodId: res.json().id, defaultPaymentMethod: { last4: '4242' } })
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment_method', action: 'CREATE', resourceId: res.json().id } })
    t.match(audit, { userId: carol.user.id, success: true, newValues: { last4: '4242', isDefault: true } })
  })

  t.test('a later method is the default only when asked, and then the previous one is not', async (t) => {
    const carol = await newCustomer()
    const first = (await add(carol.auth, card())).json()
    const second = (await add(carol.auth, card({ last4: '1881' }))).json()
    t.equal(second.isDefault, false)
    t.same(await defaults(carol.user.id), { flagged: [first.id], named: first.id })
    const third = (await add(carol.auth, { processor: 'BANK_TRANSFER', type: 'BANK_ACCOUNT', bankName: 'First Bank', accountType: 'checking', isDefault: true })).json()
    t.match(third, { isDefault: true, externalId: /^manual_/ }, 'a hand-kept method gets an id of its own')
    t.same(await defaults(carol.user.id), { flagged: [third.id], named: third.id })
    t.same((await list(carol.auth)).map((m) => m.id), [third.id, second.id, first.id], 'the default first, then newest first')

    const res = await patch(carol.auth, first.id, { isDefault: true })
    t.equal(res.statusCode, 200)
    t.equal(res.json().isDefault, true)
    t.same(await defaults(carol.user.id), { flagged: [first.id], named: first.id }, 'one default, in step with the account')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment_method', action: 'UPDATE', resourceId: first.id } })
    t.match(audit, { oldValues: { isDefault: false }, newValues: { isDefault: true } })
  })

  t.test('unsetting the default is refused (409): name another default instead', async (t) => {
    const carol = await newCustomer()
    const first = (await add(carol.auth, card())).json()
    const second = (await add(carol.auth, card())).json()
    const res = await patch(carol.auth, first.id, { isDefault: false })
    t.equal(res.statusCode, 409)
    t.match(res.json().message, /make another method the default/)
    t.same(await defaults(carol.user.id), { flagged: [first.id], named: first.id })
    t.equal((await patch(carol.auth, second.id, { isDefault: false })).statusCode, 200, 'a non-default stays one')
    t.same(await defaults(carol.user.id), { flagged: [first.id], named: first.id })
  })

  t.test('many methods asking to be the default at once leave exactly one', async (t) => {
    const carol = await newCustomer()
    const answers = await Promise.all(Array.from({ length: 5 }, () => add(carol.auth, card({ isDefault: true }))))
    t.same(answers.map((a) => a.statusCode), [201, 201, 201, 201, 201])
    const { flagged, named } = await defaults(carol.user.id)
    t.equal(flagged.length, 1, 'one default')
    t.equal(named, flagged[0], 'the account names it')
  })

  t.test('removing the default promotes the most recently added of the rest; removing the last leaves none', async (t) => {
    const carol = await newCustomer()
    const first = (await add(carol.auth, card())).json()
    const second = (await add(carol.auth, card())).json()
    const third = (await add(carol.auth, card())).json()
    t.equal((await patch(carol.auth, first.id, { isDefault: true })).statusCode, 200)
    await app.inject({ method: 'PATCH', url: '/api/v1/billing/account', headers: carol.auth, payload: { autoPayEnabled: true } })

    t.equal((await remove(carol.auth, second.id)).statusCode, 204, 'removing a non-default')
    t.same(await defaults(carol.user.id), { flagged: [first.id], named: first.id }, 'leaves the default alone')

    t.equal((await remove(carol.auth, first.id)).statusCode, 204)
    t.same(await defaults(carol.user.id), { flagged: [third.id], named: third.id }, 'the newest remaining is the default')
    t.same((await list(carol.auth)).map((m) => m.id), [third.id], 'removed methods are not listed')
    t.match(await prisma.paymentMethod.findUniqueOrThrow({ where: { id: first.id } }), { isActive: false, isDefault: false }, 'kept, inactive, for its payments')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'payment_method', action: 'DELETE', resourceId: first.id } })
    t.match(audit, { success: true, newValues: { isActive: false, promotedDefault: third.id } })

    t.equal((await remove(carol.auth, third.id)).statusCode, 204)
    t.same(await defaults(carol.user.id), { flagged: [], named: null })
    t.equal((await prisma.billingAccount.findUniqueOrThrow({ where: { userId: carol.user.id } })).autoPayEnabled, false, 'auto-pay is off with nothing to pay with')
    t.equal((await remove(carol.auth, third.id)).statusCode, 404, 'a removed method is gone')
    t.equal((await patch(carol.auth, third.id, { isDefault: true })).statusCode, 404)
  })

  t.test('a full card number is refused wherever it appears, and never echoed or stored', async (t) => {
    const carol = await newCustomer()
    const pan = '4242424242424242'
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['as last4', card({ last4: pan }), /^last4: must be exactly the last 4 digits/],
      ['spaced, as the brand', card({ brand: '4242 4242 4242 4242' }), /^brand: must not hold a card number/],
      ['dashed, as the external id', card({ externalId: '4111-1111-1111-1111' }), /^externalId: must not hold a card number/],
      ['as the bank name', { processor: 'BANK_TRANSFER', type: 'BANK_ACCOUNT', bankName: `Bank ${pan}` }, /^bankName: must not hold a card number/],
      ['in a field of its own', card({ cardNumber: pan }), /cardNumber/],
      ['as a number', card({ expiryYear: Number(pan) }), /^expiryYear: /],
    ]
    for (const [name, payload, message] of cases) {
      const res = await add(carol.auth, payload)
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json().message, message, `${name}: ${res.json().message}`)
      t.notMatch(res.body, /4242424242424242|4242 4242|4111-1111/, `${name}: not echoed`)
    }
    t.equal(await prisma.paymentMethod.count({ where: { billingAccount: { userId: carol.user.id } } }), 0, 'nothing stored')
    const audits = await prisma.auditLog.findMany({ where: { userId: carol.user.id, resource: 'payment_method' } })
    t.equal(audits.length, cases.length, 'each refusal is audited')
    t.notMatch(JSON.stringify(audits), /4242424242424242|4242 4242|4111-1111/, 'and the audit rows hold no card number')
  })

  t.test('cards need last4 and an expiry that is not in the past', async (t) => {
    const carol = await newCustomer()
    const now = new Date()
    const lastMonth = now.getUTCMonth() === 0 ? { expiryMonth: 12, expiryYear: now.getUTCFullYear() - 1 } : { expiryMonth: now.getUTCMonth(), expiryYear: now.getUTCFullYear() }
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['an expiry last month', card(lastMonth), /^expiryYear: the card expired/],
      ['an expiry last year', card({ expiryYear: now.getUTCFullYear() - 1 }), /^expiryYear: /],
      ['a thirteenth month', card({ expiryMonth: 13 }), /^expiryMonth: must be a month/],
      ['no last4', card({ last4: undefined }), /^last4: is required for a card/],
      ['no expiry', card({ expiryMonth: undefined, expiryYear: undefined }), /^expiryMonth: is required for a card/],
      ['an unknown processor', card({ processor: 'VENMO' }), /^processor: /],
      ['an unknown type', card({ type: 'CHEQUE' }), /^type: /],
    ]
    for (const [name, payload, message] of cases) {
      const res = await add(carol.auth, payload)
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json().message, message, `${name}: ${res.json().message}`)
    }
    const thisMonth = (await add(carol.auth, card({ expiryMonth: now.getUTCMonth() + 1, expiryYear: now.getUTCFullYear() }))).json()
    t.equal(thisMonth.isDefault, true, 'a card expiring this month is still good')
    const res = await patch(carol.auth, thisMonth.id, { expiryYear: now.getUTCFullYear() - 1 })
    t.equal(res.statusCode, 400, 'nor may a change put the expiry in the past')
    t.match(res.json().message, /^expiryYear: /)
    const renewed = await patch(carol.auth, thisMonth.id, { expiryMonth: 2, expiryYear: nextYear + 2 })
    t.equal(renewed.statusCode, 200)
    t.match(renewed.json(), { expiryMonth: 2, expiryYear: nextYear + 2 })
  })

  t.test("another tenant's method is not found; administrators manage anyone's; support reads", async (t) => {
    const alices = (await add(alice.auth, card())).json()
    t.equal((await patch(bob.auth, alices.id, { isDefault: true })).statusCode, 404)
    const gone = await remove(bob.auth, alices.id)
    t.equal(gone.statusCode, 404)
    t.equal(gone.json().code, 'NOT_FOUND')
    t.equal((await prisma.paymentMethod.findUniqueOrThrow({ where: { id: alices.id } })).isActive, true, 'untouched')
    t.notOk((await list(bob.auth)).some((m) => m.id === alices.id), "bob's list does not hold it")
    t.equal((await app.inject({ method: 'GET', url: `${base}?userId=${alice.user.id}`, headers: bob.auth })).statusCode, 403)
    t.equal((await add(bob.auth, card({ userId: alice.user.id }))).statusCode, 403, 'nor may bob add to her account')

    t.ok((await list(support.auth, `?userId=${alice.user.id}`)).some((m) => m.id === alices.id), 'support reads it')
    t.equal((await remove(support.auth, alices.id)).statusCode, 403, 'support changes nothing')
    const forAlice = await add(admin.auth, card({ userId: alice.user.id, last4: '0005' }))
    t.equal(forAlice.statusCode, 201)
    t.equal(forAlice.json().billingAccountId, alices.billingAccountId, "an administrator adds to alice's account")
    t.equal((await remove(admin.auth, forAlice.json().id)).statusCode, 204)
  })

  t.test('no key is 401; a read-only key is 403 on changes', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: base })).statusCode, 401)
    t.equal((await app.inject({ method: 'POST', url: base, payload: card() })).statusCode, 401)
    const readOnly = await createUserWithKey(prisma, 'USER', ['read:billing'])
    t.equal((await app.inject({ method: 'GET', url: base, headers: readOnly.auth })).statusCode, 200)
    t.equal((await add(readOnly.auth, card())).statusCode, 403)
  })
})
