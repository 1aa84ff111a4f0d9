import t from 'tap'
import { billingAddressSchema, isIsoCountry, storedBillingAddress } from '../../src/billing/billing-address.js'
import { isExpired } from '../../src/billing/payment-methods.js'
import { looksLikeCardNumber } from '../../src/api/billing/payment-method-schemas.js'

const address = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Analytical Engines Ltd',
  addressLine1: '12 St James Square',
  addressLine2: 'Floor 2',
  city: 'London',
  state: 'Greater London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
}

t.test('a complete address is accepted; company and addressLine2 are optional; country is upper-cased', async (t) => {
  t.same(billingAddressSchema.parse(address), address)
  const { company: _c, addressLine2: _a, ...bare } = address
  t.same(billingAddressSchema.parse({ ...bare, country: ' us ' }), { ...bare, country: 'US' })
})

t.test('a missing required field, an unknown field or an unknown country is refused, naming the field', async (t) => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['no firstName', { ...address, firstName: undefined }, 'firstName'],
    ['an empty city', { ...address, city: '  ' }, 'city'],
    ['no postalCode', { ...address, postalCode: undefined }, 'postalCode'],
    ['a three-letter country', { ...address, country: 'GBR' }, 'country'],
    ['a code that is no country', { ...address, country: 'XX' }, 'country'],
    ['the European Union', { ...address, country: 'EU' }, 'country'],
    ['an unknown field', { ...address, street: 'x' }, ''],
  ]
  for (const [name, input, path] of cases) {
    const result = billingAddressSchema.safeParse(input)
    t.notOk(result.success, `${name} is refused`)
    t.equal(result.error?.issues[0]?.path.join('.'), path, `${name}: the issue names "${path}"`)
  }
})

t.test('ISO 3166-1 alpha-2 codes: assigned ones pass, reserved and made-up ones do not', async (t) => {
  for (const code of ['US', 'GB', 'DE', 'JP', 'BR', 'XK', 'AQ']) t.ok(isIsoCountry(code), code)
  for (const code of ['ZZ', 'XX', 'AA', 'QZ', 'EU', 'UN', 'us', 'U1', 'USA']) t.notOk(isIsoCountry(code), code)
})

t.test('a stored {} is no address yet; a stored address reads back', async (t) => {
  t.equal(storedBillingAddress({}), null)
  t.equal(storedBillingAddress(null), null)
  t.equal(storedBillingAddress({ city: 'half an address' }), null)
  t.same(storedBillingAddress(address), address)
})

t.test('a card is usable through its expiry month', async (t) => {
  const now = new Date('2026-11-15T00:00:00Z')
  t.notOk(isExpired(11, 2026, now), 'this month')
  t.notOk(isExpired(1, 2027, now), 'next year')
  t.ok(isExpired(10, 2026, now), 'last month')
  t.ok(isExpired(12, 2025, now), 'last year')
})

t.test('13 to 19 digits, with or without spaces and dashes, are a card number', async (t) => {
  for (const text of ['4242424242424242', '4242 4242 4242 4242', '4111-1111-1111-1111', '3782 822463 10005', 'card 4000056655665556 here', '4222222222222']) {
    t.ok(looksLikeCardNumber(text), text)
  }
  for (const text of ['4242', 'visa', 'pm_1NqW2eJ2eZvKYlo2C0FZrH8q', '123456789012', 'IBAN GB29 NWBK']) t.notOk(looksLikeCardNumber(text), text)
})
