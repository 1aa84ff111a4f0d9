import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startFakeTwilio } from '../helpers/fake-twilio.js'
import { createUserWithKey, numberBody } from '../helpers/users.js'

t.test('PATCH /numbers/:id', async (t) => {
  // Webhook URL changes are synced to Twilio (tests/twilio/url-sync.test.ts): these tests run
  // against the fake Twilio, on the account numberBody() registers numbers under.
  const fake = await startFakeTwilio(t, { accountSid: `AC${'a'.repeat(32)}` })
  const app = await buildTestApp(t, fake.env)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const support = await createUserWithKey(prisma, 'SUPPORT')
  const newNumber = async (auth = alice.auth, overrides: Record<string, unknown> = {}) => {
    const body = numberBody(overrides)
    fake.own(body.phoneNumber, { sid: body.twilioSid })
    const res = await app.inject({ method: 'POST', url: '/api/v1/numbers', headers: auth, payload: body })
    t.equal(res.statusCode, 201)
    return res.json() as { id: string; phoneNumber: string; updatedAt: string }
  }
  const patch = (id: string, payload: unknown, auth: Record<string, string> = alice.auth) =>
    app.inject({ method: 'PATCH', url: `/api/v1/numbers/${id}`, headers: auth, payload: payload as object })
  const auditRows = (resourceId: string) =>
    prisma.auditLog.findMany({ where: { resource: 'number', action: 'UPDATE', resourceId }, orderBy: { createdAt: 'asc' } })

  t.test('every editable field changes, persists, and is read back', async (t) => {
    const number = await newNumber(alice.auth, { friendlyName: 'Old name' })
    const changes = {
      friendlyName: 'Front desk',
      tags: ['  sales ', 'vip'],
      notes: 'Moved to the new office',
      voiceUrl: 'https://hooks.example.com/voice',
      voiceMethod: 'GET',
      voiceFallbackUrl: 'https://hooks.example.com/voice-fallback',
      voiceFallbackMethod: 'GET',
      statusCallback: 'http://hooks.example.com/status',
      statusCallbackMethod: 'GET',
      smsUrl: 'https://hooks.example.com/sms',
      smsMethod: 'GET',
      smsFallbackUrl: 'https://hooks.example.com/sms-fallback',
      smsFallbackMethod: 'GET',
      voiceCallerIdLookup: true,
    }
    const res = await patch(number.id, changes)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.match(body, { ...changes, tags: ['sales', 'vip'] }, 'tags are trimmed')
    t.ok(Date.parse(body.updatedAt) >= Date.parse(number.updatedAt))
    const stored = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
    t.match(stored, { ...changes, tags: ['sales', 'vip'] })
    const read = await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.id}`, headers: alice.auth })
    t.match(read.json(), { ...changes, tags: ['sales', 'vip'] })
  })

  t.test('a partial change leaves the other fields alone, and null clears a field', async (t) => {
    const number = await newNumber(alice.auth, { friendlyName: 'Keep me' })
    t.equal((await patch(number.id, { notes: 'first', voiceUrl: 'https://a.example.com/v' })).statusCode, 200)
    const res = await patch(number.id, { voiceUrl: null })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { friendlyName: 'Keep me', notes: 'first', voiceUrl: null, voiceMethod: 'POST' })
  })

  t.test('the audit row holds the changed fields as they were and as they are', async (t) => {
    const number = await newNumber(alice.auth, { friendlyName: 'Before' })
    const res = await patch(number.id, { friendlyName: 'After', tags: ['a'] }, { ...alice.auth, 'user-agent': 'patch-test' })
    t.equal(res.statusCode, 200)
    const [row, ...more] = await auditRows(number.id)
    t.equal(more.length, 0, 'one row')
    t.match(row, {
      userId: alice.user.id,
      success: true,
      method: 'PATCH',
      endpoint: '/api/v1/numbers/:id',
      userAgent: 'patch-test',
      oldValues: { friendlyName: 'Before', tags: [] },
      newValues: { friendlyName: 'After', tags: ['a'] },
    })
  })

  t.test('after a change the routing cache no longer serves what it held before', async (t) => {
    const number = await newNumber()
    const cached = await app.routingCache.load(number.phoneNumber)
    t.equal(cached?.number.countryCode, 'US')
    const held = app.routingCache.peek(number.phoneNumber)
    t.equal(held.kind, 'hit')
    // A change the cache was not told about: only the PATCH's invalidation can bring it in.
    await prisma.number.update({ where: { id: number.id }, data: { countryCode: 'CA' } })
    t.equal((await patch(number.id, { notes: 'moved' })).statusCode, 200)
    const after = app.routingCache.peek(number.phoneNumber)
    t.equal(after.kind, 'hit')
    t.not(after.kind === 'hit' && after.entry, held.kind === 'hit' && held.entry, 'the old entry is gone')
    t.equal(after.kind === 'hit' && after.entry.number.countryCode, 'CA')
  })

  t.test("another tenant's number answers 404 and is not changed; an administrator may change it", async (t) => {
    const number = await newNumber(bob.auth, { friendlyName: "Bob's" })
    const res = await patch(number.id, { friendlyName: 'Mine now' })
    t.equal(res.statusCode, 404)
    t.equal(res.json().code, 'NOT_FOUND')
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: number.id } })).friendlyName, "Bob's")
    t.match(await auditRows(number.id), [{ userId: alice.user.id, success: false, newValues: null }], 'the refusal is audited')
    t.equal((await patch('no-such-number', { notes: 'x' })).statusCode, 404)
    const byAdmin = await patch(number.id, { notes: 'checked by admin' }, admin.auth)
    t.equal(byAdmin.statusCode, 200)
    t.equal(byAdmin.json().notes, 'checked by admin')
  })

  t.test('support reads every number but changes none (403)', async (t) => {
    const number = await newNumber()
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/numbers/${number.id}`, headers: support.auth })).statusCode, 200)
    const res = await patch(number.id, { notes: 'support was here' }, support.auth)
    t.equal(res.statusCode, 403)
    t.match(res.json().message, /write:numbers/)
  })

  t.test('a key with only read:numbers answers 403; no key answers 401', async (t) => {
    const number = await newNumber()
    const readOnly = await createUserWithKey(prisma, 'USER', ['read:numbers'])
    const own = await newNumber(admin.auth, { userId: readOnly.user.id })
    const res = await patch(own.id, { notes: 'x' }, readOnly.auth)
    t.equal(res.statusCode, 403)
    t.equal(res.json().code, 'FORBIDDEN')
    t.match(res.json().message, /write:numbers/)
    t.equal((await prisma.number.findUniqueOrThrow({ where: { id: own.id } })).notes, null)
    t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/numbers/${number.id}`, payload: { notes: 'x' } })).statusCode, 401)
  })

  const invalid: Array<[string, unknown, RegExp]> = [
    ['an empty body', {}, /^body: give at least one field to change/],
    ['an unknown field', { notes: 'x', status: 'RELEASED' }, /^body: Unrecognized key: "status"/],
    ['a URL that is not http(s)', { voiceUrl: 'ftp://files.example.com/voice' }, /^voiceUrl: must be an http or https URL/],
    ['a URL that is not a URL', { smsUrl: 'hooks.example.com/sms' }, /^smsUrl: must be an http or https URL/],
    ['a javascript: URL', { statusCallback: 'javascript:alert(1)' }, /^statusCallback: must be an http or https URL/],
    ['a method other than GET or POST', { voiceMethod: 'PUT' }, /^voiceMethod: /],
    ['a null method', { smsMethod: null }, /^smsMethod: /],
    ['a repeated tag (after trimming)', { tags: ['vip', ' vip'] }, /^tags: must not repeat a tag/],
    ['an empty tag', { tags: ['   '] }, /^tags\[0\]: must not be empty/],
    ['a tag over 50 characters', { tags: ['x'.repeat(51)] }, /^tags\[0\]: must be at most 50 characters/],
    ['more than 50 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, /^tags: at most 50 tags/],
    ['notes over 2000 characters', { notes: 'n'.repeat(2001) }, /^notes: must be at most 2000 characters/],
    ['a caller-ID lookup that is not a boolean', { voiceCallerIdLookup: 'yes' }, /^voiceCallerIdLookup: /],
  ]
  for (const [what, payload, message] of invalid) {
    t.test(`${what} answers 400 naming the field and changes nothing`, async (t) => {
      const number = await newNumber()
      const before = await prisma.number.findUniqueOrThrow({ where: { id: number.id } })
      const res = await patch(number.id, payload)
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
      t.same(await prisma.number.findUniqueOrThrow({ where: { id: number.id } }), before)
    })
  }

  t.test('fifty distinct tags of fifty characters are accepted', async (t) => {
    const number = await newNumber()
    const tags = Array.from({ length: 50 }, (_, i) => String(i).padStart(50, 'x'))
    const res = await patch(number.id, { tags })
    t.equal(res.statusCode, 200)
    t.same(res.json().tags, tags)
  })
})
