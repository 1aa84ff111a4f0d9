import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey } from '../helpers/users.js'

t.test('your own profile: GET and PATCH /users/me', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const patch = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers, payload: payload as object })

  t.test('GET /users/me answers the caller without secrets, and 401 without credentials', async (t) => {
    const alice = await createUserWithKey(prisma)
    const res = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: alice.auth })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: alice.user.id, email: alice.user.email, role: 'USER', isSuspended: false, suspensionReason: null })
    t.notOk(/password|token/i.test(res.body))
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/users/me' })).statusCode, 401)
    t.equal((await patch({}, { firstName: 'X' })).statusCode, 401)
  })

  t.test('profile fields change, and the audit row keeps their old and new values', async (t) => {
    const alice = await createUserWithKey(prisma)
    const body = {
      firstName: 'Alice',
      lastName: 'Liddell',
      company: 'Wonderland Ltd',
      phone: '+442071234567',
      avatar: 'https://cdn.example.com/alice.png',
      timezone: 'Europe/London',
      language: 'en-GB',
    }
    const res = await patch(alice.auth, body)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: alice.user.id, ...body })
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } })
    t.match(stored, body)

    const row = await prisma.auditLog.findFirstOrThrow({ where: { resource: 'user', action: 'UPDATE', resourceId: alice.user.id } })
    t.match(row, { userId: alice.user.id, success: true, method: 'PATCH', endpoint: '/api/v1/users/me' })
    t.same(row.oldValues, {
      firstName: 'Test',
      lastName: 'USER',
      company: null,
      phone: null,
      avatar: null,
      timezone: 'UTC',
      language: 'en',
    })
    t.same(row.newValues, body)
    t.notOk(/password|\$argon|!unusable!/i.test(JSON.stringify(row)), 'no password in the audit row')

    const cleared = await patch(alice.auth, { company: null, phone: null, avatar: null })
    t.equal(cleared.statusCode, 200)
    t.match(cleared.json(), { company: null, phone: null, avatar: null, firstName: 'Alice' })
  })

  t.test('preferences are merged part by part into a complete UserPreferences', async (t) => {
    const alice = await createUserWithKey(prisma)
    const first = await patch(alice.auth, { timezone: 'Europe/Paris', preferences: { theme: 'dark', notifications: { sms: false } } })
    t.equal(first.statusCode, 200)
    t.same(first.json().preferences, {
      theme: 'dark',
      language: 'en',
      timezone: 'Europe/Paris',
      notifications: { email: true, sms: false, push: true, marketing: false },
      dashboard: { defaultView: 'numbers', chartsType: 'line' },
      calling: { recordByDefault: false, transcribeByDefault: false, blockAnonymous: false },
    })

    const second = await patch(alice.auth, { preferences: { dashboard: { chartsType: 'bar' }, calling: { blockAnonymous: true } } })
    t.equal(second.statusCode, 200)
    const prefs = (await prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } })).preferences
    t.match(prefs, {
      theme: 'dark',
      notifications: { sms: false, email: true },
      dashboard: { defaultView: 'numbers', chartsType: 'bar' },
      calling: { blockAnonymous: true, recordByDefault: false },
    })
    const row = await prisma.auditLog.findFirstOrThrow({
      where: { resourceId: alice.user.id, action: 'UPDATE', success: true },
      orderBy: { createdAt: 'desc' },
    })
    t.match(row.oldValues, { preferences: { dashboard: { chartsType: 'line' } } })
    t.match(row.newValues, { preferences: { dashboard: { chartsType: 'bar' } } })
  })

  t.test('stored keys that are not preferences are dropped when preferences change', async (t) => {
    const alice = await createUserWithKey(prisma)
    await prisma.user.update({ where: { id: alice.user.id }, data: { preferences: { theme: 'light', legacyWidget: 3 } } })
    const res = await patch(alice.auth, { preferences: { language: 'fr' } })
    t.equal(res.statusCode, 200)
    t.match(res.json().preferences, { theme: 'light', language: 'fr' })
    t.notOk('legacyWidget' in res.json().preferences)
  })

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown theme', { preferences: { theme: 'neon' } }, /^preferences\.theme: /],
    ['an unknown notification channel', { preferences: { notifications: { fax: true } } }, /fax/],
    ['a notification flag that is not a boolean', { preferences: { notifications: { email: 'yes' } } }, /^preferences\.notifications\.email: /],
    ['an unknown dashboard view', { preferences: { dashboard: { defaultView: 'maps' } } }, /^preferences\.dashboard\.defaultView: /],
    ['preferences that are not an object', { preferences: 'dark' }, /^preferences: /],
    ['a phone number that is not E.164', { phone: '020 7123 4567' }, /^phone: must be an E\.164 number/],
    ['an avatar over plain http', { avatar: 'http://cdn.example.com/a.png' }, /^avatar: must be an https URL/],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, /^timezone: must be an IANA time zone/],
    ['a malformed language', { language: 'EN_us' }, /^language: must be a language tag/],
    ['a first name that is not a string', { firstName: 42 }, /^firstName: /],
    ['an empty last name', { lastName: '' }, /^lastName: must not be empty/],
    ['an email change', { email: 'new@example.com' }, /email/],
    ['a role change', { role: 'ADMIN' }, /role/],
    ['a password change', { password: 'hunter2hunter2' }, /password/],
  ]
  for (const [what, body, message] of invalid) {
    t.test(`${what} answers 400 naming the field and changes nothing`, async (t) => {
      const alice = await createUserWithKey(prisma)
      const before = await prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } })
      const res = await patch(alice.auth, { firstName: 'Changed', ...body })
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.same(await prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } }), before)
      const row = await prisma.auditLog.findFirstOrThrow({ where: { userId: alice.user.id, action: 'UPDATE' } })
      t.equal(row.success, false, 'the refusal is audited')
    })
  }
})
