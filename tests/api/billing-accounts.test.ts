import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createTenants, createUserWithKey } from '../helpers/users.js'

const address = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  addressLine1: '12 St James Square',
  city: 'London',
  state: 'Greater London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
}

t.test('billing account', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const { admin, support, alice, bob } = await createTenants(prisma)
  const get = (auth: Record<string, string>, query = '') => app.inject({ method: 'GET', url: `/api/v1/billing/account${query}`, headers: auth })
  const patch = (auth: Record<string, string>, payload: unknown, query = '') =>
    app.inject({ method: 'PATCH', url: `/api/v1/billing/account${query}`, headers: auth, payload: payload as object })

  t.test('the first GET opens the account; later ones read the same one', async (t) => {
    const fresh = await createUserWithKey(prisma)
    t.equal(await prisma.billingAccount.count({ where: { userId: fresh.user.id } }), 0, 'no account before')
    const first = await get(fresh.auth)
    t.equal(first.statusCode, 200)
    t.match(first.json(), {
      userId: fresh.user.id,
      accountBalance: '0.0000',
      currency: 'USD',
      billingAddress: null,
      defaultPaymentMethodId: null,
      defaultPaymentMethod: null,
      autoPayEnabled: false,
      billingCycle: 'MONTHLY',
      isActive: true,
    })
    const second = await get(fresh.auth)
    t.equal(second.json().id, first.json().id)
    t.equal(await prisma.billingAccount.count({ where: { userId: fresh.user.id } }), 1)
  })

  t.test('first requests at once open exactly one account', async (t) => {
    const fresh = await createUserWithKey(prisma)
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(fresh.auth)))
    t.same(answers.map((a) => a.statusCode), [200, 200, 200, 200, 200, 200])
    t.equal(new Set(answers.map((a) => a.json().id)).size, 1, 'one id')
    t.equal(await prisma.billingAccount.count({ where: { userId: fresh.user.id } }), 1, 'one row')
  })

  t.test('an account the ingest pipeline opened with {} reads as having no address yet', async (t) => {
    const fresh = await createUserWithKey(prisma)
    const row = await prisma.billingAccount.create({ data: { userId: fresh.user.id, billingAddress: {} } })
    const res = await get(fresh.auth)
    t.equal(res.json().id, row.id)
    t.equal(res.json().billingAddress, null)
  })

  t.test('PATCH sets the address and the other fields, and audits the change', async (t) => {
    const before = (await get(alice.auth)).json()
    const changes = { billingAddress: { ...address, company: 'Engines Ltd' }, company: 'Engines Ltd', taxId: '12-3456789', vatNumber: 'GB123456789', billingCycle: 'QUARTERLY' }
    const res = await patch(alice.auth, changes)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { ...changes, id: before.id })
    const stored = await prisma.billingAccount.findUniqueOrThrow({ where: { userId: alice.user.id } })
    t.same(stored.billingAddress, changes.billingAddress)
    t.equal(stored.billingCycle, 'QUARTERLY')
    t.same((await get(alice.auth)).json().billingAddress, changes.billingAddress, 'read back')
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'billing_account', action: 'UPDATE', resourceId: before.id } })
    t.match(audit, {
      userId: alice.user.id,
      success: true,
      oldValues: { billingAddress: null, company: null, billingCycle: 'MONTHLY' },
      newValues: { company: 'Engines Ltd', billingCycle: 'QUARTERLY' },
    })
    t.equal((await patch(alice.auth, { company: null })).json().company, null, 'null clears a field')
  })

  t.test('an address that is not a complete BillingAddress is refused, naming the field, and nothing changes', async (t) => {
    await patch(bob.auth, { billingAddress: address })
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['no postal code', { ...address, postalCode: undefined }, /^billingAddress\.postalCode: /],
      ['an empty first name', { ...address, firstName: ' ' }, /^billingAddress\.firstName: must not be empty/],
      ['a country that is not ISO alpha-2', { ...address, country: 'XX' }, /^billingAddress\.country: must be an ISO 3166-1 alpha-2/],
      ['a full country name', { ...address, country: 'United Kingdom' }, /^billingAddress\.country: /],
      ['an unknown field', { ...address, street: 'Main St' }, /^billingAddress: .*street/],
    ]
    for (const [name, billingAddress, message] of cases) {
      const res = await patch(bob.auth, { billingAddress, company: 'Should not stick' })
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message, `${name}: ${res.json().message}`)
    }
    const stored = await prisma.billingAccount.findUniqueOrThrow({ where: { userId: bob.user.id } })
    t.same(stored.billingAddress, address, 'the address is unchanged')
    t.equal(stored.company, null, 'so is the rest')
    t.equal((await patch(bob.auth, {})).statusCode, 400, 'an empty change is refused')
    t.equal((await patch(bob.auth, { accountBalance: '-100' })).statusCode, 400, 'the balance is not for customers to set')
  })

  t.test('auto-pay needs a default payment method (409)', async (t) => {
    const fresh = await createUserWithKey(prisma)
    const refused = await patch(fresh.auth, { autoPayEnabled: true })
    t.equal(refused.statusCode, 409)
    t.match(refused.json().message, /default payment method/)
    const method = await app.inject({
      method: 'POST',
      url: '/api/v1/billing/payment-methods',
      headers: fresh.auth,
      payload: { processor: 'BANK_TRANSFER', type: 'BANK_ACCOUNT', bankName: 'First Bank' },
    })
    t.equal(method.statusCode, 201)
    const res = await patch(fresh.auth, { autoPayEnabled: true })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { autoPayEnabled: true, defaultPaymentMethodId: method.json().id, defaultPaymentMethod: { id: method.json().id, bankName: 'First Bank' } })
  })

  t.test("administrators read and change anyone's account, support reads it; customers only their own", async (t) => {
    const alicesId = (await get(alice.auth)).json().id
    t.equal((await get(support.auth, `?userId=${alice.user.id}`)).json().id, alicesId, 'support reads it')
    t.equal((await get(admin.auth, `?userId=${alice.user.id}`)).json().id, alicesId, 'so does an administrator')
    const byAdmin = await patch(admin.auth, { vatNumber: 'GB999' }, `?userId=${alice.user.id}`)
    t.equal(byAdmin.statusCode, 200)
    t.equal((await prisma.billingAccount.findUniqueOrThrow({ where: { userId: alice.user.id } })).vatNumber, 'GB999')
    t.equal((await prisma.billingAccount.findUnique({ where: { userId: admin.user.id } })), null, "the administrator's own account is untouched")

    const peek = await get(bob.auth, `?userId=${alice.user.id}`)
    t.equal(peek.statusCode, 403)
    t.equal((await patch(bob.auth, { vatNumber: 'x' }, `?userId=${alice.user.id}`)).statusCode, 403)
    t.equal((await patch(support.auth, { vatNumber: 'x' }, `?userId=${alice.user.id}`)).statusCode, 403, 'support changes nothing')
    t.equal((await get(admin.auth, '?userId=no-such-user')).statusCode, 404)
    t.equal((await prisma.billingAccount.findUniqueOrThrow({ where: { userId: alice.user.id } })).vatNumber, 'GB999')
  })

  t.test('no key is 401; a key without billing permissions is 403', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/billing/account' })).statusCode, 401)
    const numbersOnly = await createUserWithKey(prisma, 'USER', ['read:numbers'])
    const res = await get(numbersOnly.auth)
    t.equal(res.statusCode, 403)
    t.match(res.json().message, /read:billing/)
    const readOnly = await createUserWithKey(prisma, 'USER', ['read:billing'])
    t.equal((await get(readOnly.auth)).statusCode, 200)
    const write = await patch(readOnly.auth, { company: 'x' })
    t.equal(write.statusCode, 403)
    t.match(write.json().message, /write:billing/)
  })
})
