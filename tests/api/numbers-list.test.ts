import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { NumberStatus, NumberType } from '../../src/generated/prisma/client.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey } from '../helpers/users.js'

interface Seed {
  id?: string
  phoneNumber: string
  userId: string
  friendlyName: string | null
  countryCode: string
  areaCode: string
  numberType: NumberType
  status: NumberStatus
  tags: string[]
  monthlyPrice: string
  totalCalls: number
  createdAt: Date
}

interface Listed {
  id: string
  phoneNumber: string
  userId: string
  friendlyName: string | null
  monthlyPrice: string
  status: string
  numberType: string
  countryCode: string
  areaCode: string | null
  tags: string[]
  totalCalls: number
  createdAt: string
}

const DAY = 86_400_000
const firstDay = Date.parse('2026-01-01T12:00:00Z')

t.test('GET /numbers', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const support = await createUserWithKey(prisma, 'SUPPORT')

  // 30 numbers: 20 of Alice's, 10 of Bob's, with every filterable field varied. The array is
  // the oracle: each expectation below is computed from it in plain JavaScript.
  const names: Record<number, string> = { 4: 'Sales_Desk', 8: 'SALESforce hotline', 9: 'Salesx Desk' }
  const seeds: Seed[] = Array.from({ length: 30 }, (_, i) => {
    const gb = i % 5 === 0
    return {
      phoneNumber: gb ? `+44207946${String(i).padStart(4, '0')}` : `+1${i % 2 ? '415' : '212'}555${String(i).padStart(4, '0')}`,
      userId: i % 3 === 2 ? bob.user.id : alice.user.id,
      friendlyName: names[i] ?? (i % 4 === 3 ? null : `Line ${i}`),
      countryCode: gb ? 'GB' : 'US',
      areaCode: gb ? '20' : i % 2 ? '415' : '212',
      numberType: (['LOCAL', 'TOLL_FREE', 'MOBILE'] as const)[i % 3]!,
      status: i % 7 === 0 ? 'RELEASED' : i % 6 === 0 ? 'SUSPENDED' : 'ACTIVE',
      tags: [...(i % 2 === 0 ? ['sales'] : []), ...(i % 4 === 0 ? ['vip'] : []), ...(i % 3 === 0 ? ['support'] : [])],
      monthlyPrice: (1 + ((i * 7) % 30) * 0.25).toFixed(2),
      totalCalls: i % 4,
      createdAt: new Date(firstDay + i * DAY),
    }
  })
  for (const seed of seeds) {
    const row = await prisma.number.create({
      data: {
        ...seed,
        twilioSid: `PN${randomBytes(16).toString('hex')}`,
        twilioAccountSid: `AC${'a'.repeat(32)}`,
        capabilities: ['VOICE'],
      },
    })
    seed.id = row.id
  }
  const ofAlice = seeds.filter((s) => s.userId === alice.user.id)

  const list = async (auth: Record<string, string>, query = '') => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/numbers${query}`, headers: auth })
    t.equal(res.statusCode, 200, `GET /numbers${query} answers 200`)
    return res.json() as { data: Listed[]; pagination: Record<string, number | boolean> }
  }
  /** Ids of every matching number (one page of 100 holds them all). */
  const ids = async (auth: Record<string, string>, query: string) => {
    const body = await list(auth, `?limit=100&${query}`)
    t.equal(body.pagination.total, body.data.length, 'total counts what matched')
    return body.data.map((n) => n.id).sort()
  }
  const expected = (rows: Seed[], keep: (s: Seed) => boolean) => rows.filter(keep).map((s) => s.id!).sort()

  t.test("a USER lists only their own numbers, released ones included, and never another user's", async (t) => {
    const body = await list(alice.auth, '?limit=100')
    t.equal(body.pagination.total, 20)
    t.same(body.data.map((n) => n.id).sort(), expected(ofAlice, () => true))
    t.ok(body.data.every((n) => n.userId === alice.user.id))
    t.ok(body.data.some((n) => n.status === 'RELEASED'), 'released numbers are listed')
    const bobs = await list(bob.auth, '?limit=100')
    t.equal(bobs.pagination.total, 10)
    t.ok(bobs.data.every((n) => n.userId === bob.user.id))
  })

  t.test('administrators and support list every tenant, and filter by user', async (t) => {
    t.equal((await list(admin.auth, '?limit=100')).pagination.total, 30)
    t.equal((await list(support.auth, '?limit=100')).pagination.total, 30)
    t.same(await ids(admin.auth, `userId=${bob.user.id}`), expected(seeds, (s) => s.userId === bob.user.id))
    t.same(await ids(support.auth, `userId=${alice.user.id}`), expected(ofAlice, () => true))
  })

  t.test('a USER naming another user answers 403; naming themselves is allowed', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/numbers?userId=${bob.user.id}`, headers: alice.auth })
    t.equal(res.statusCode, 403)
    t.equal(res.json().code, 'FORBIDDEN')
    t.equal(res.json().message, 'only administrators and support filter by user')
    t.same(await ids(alice.auth, `userId=${alice.user.id}`), expected(ofAlice, () => true))
  })

  t.test('status and type filter by one value or several, repeated or comma-separated', async (t) => {
    t.same(await ids(alice.auth, 'status=RELEASED'), expected(ofAlice, (s) => s.status === 'RELEASED'))
    const activeOrSuspended = expected(ofAlice, (s) => s.status !== 'RELEASED')
    t.same(await ids(alice.auth, 'status=ACTIVE,SUSPENDED'), activeOrSuspended)
    t.same(await ids(alice.auth, 'status=ACTIVE&status=SUSPENDED'), activeOrSuspended)
    t.same(await ids(alice.auth, 'type=MOBILE'), expected(ofAlice, (s) => s.numberType === 'MOBILE'))
    t.same(
      await ids(alice.auth, 'type=LOCAL,TOLL_FREE&status=ACTIVE'),
      expected(ofAlice, (s) => s.numberType !== 'MOBILE' && s.status === 'ACTIVE'),
    )
  })

  t.test('country (any case) and area code filter on the stored codes', async (t) => {
    const gb = expected(ofAlice, (s) => s.countryCode === 'GB')
    t.ok(gb.length > 0)
    t.same(await ids(alice.auth, 'country=GB'), gb)
    t.same(await ids(alice.auth, 'country=gb'), gb)
    t.same(await ids(alice.auth, 'country=US&areaCode=415'), expected(ofAlice, (s) => s.areaCode === '415'))
    t.same(await ids(alice.auth, 'country=FR'), [])
  })

  t.test('tags keep only numbers carrying every tag given', async (t) => {
    t.same(await ids(alice.auth, 'tags=sales'), expected(ofAlice, (s) => s.tags.includes('sales')))
    const both = expected(ofAlice, (s) => s.tags.includes('sales') && s.tags.includes('vip'))
    t.ok(both.length > 0 && both.length < expected(ofAlice, (s) => s.tags.includes('sales')).length)
    t.same(await ids(alice.auth, 'tags=sales,vip'), both)
    t.same(await ids(alice.auth, 'tags=vip&tags=support'), expected(ofAlice, (s) => s.tags.includes('vip') && s.tags.includes('support')))
  })

  t.test('dateFrom and dateTo bound the creation instant, both ends included', async (t) => {
    const from = new Date(firstDay + 5 * DAY)
    const to = new Date(firstDay + 12 * DAY)
    t.same(
      await ids(alice.auth, `dateFrom=${from.toISOString()}&dateTo=${to.toISOString()}`),
      expected(ofAlice, (s) => s.createdAt >= from && s.createdAt <= to),
    )
    t.same(await ids(alice.auth, 'dateFrom=2026-01-20'), expected(ofAlice, (s) => s.createdAt >= new Date('2026-01-20')))
    t.same(await ids(alice.auth, 'dateTo=2026-01-03'), expected(ofAlice, (s) => s.createdAt <= new Date('2026-01-03')))
  })

  t.test('search matches the friendly name without regard to case, and any part of the number', async (t) => {
    t.same(await ids(alice.auth, 'search=sales'), expected(ofAlice, (s) => /sales/i.test(s.friendlyName ?? '')))
    t.same(await ids(alice.auth, 'search=LINE%201'), expected(ofAlice, (s) => /line 1/i.test(s.friendlyName ?? '')))
    t.same(await ids(alice.auth, 'search=%2B44207946'), expected(ofAlice, (s) => s.phoneNumber.startsWith('+44207946')))
    t.same(await ids(alice.auth, 'search=5550013'), expected(ofAlice, (s) => s.phoneNumber.includes('5550013')))
    t.same(await ids(alice.auth, 'search=(415)%20555'), expected(ofAlice, (s) => s.phoneNumber.includes('415555')))
    t.same(await ids(bob.auth, 'search=sales'), expected(seeds, (s) => s.userId === bob.user.id && /sales/i.test(s.friendlyName ?? '')))
  })

  t.test('LIKE wildcards in a search are taken literally', async (t) => {
    t.same(await ids(alice.auth, 'search=Sales_'), [seeds[4]!.id!].sort(), 'an underscore matches only an underscore')
    t.same(await ids(alice.auth, 'search=%25'), [], 'a percent sign matches nothing here')
  })

  const byKey = (key: keyof Seed, order: 'asc' | 'desc') => (a: Seed, b: Seed) => {
    const x = a[key]
    const y = b[key]
    const cmp =
      key === 'monthlyPrice' ? Number(x) - Number(y)
      : x instanceof Date && y instanceof Date ? x.getTime() - y.getTime()
      : typeof x === 'number' && typeof y === 'number' ? x - y
      : String(x) < String(y) ? -1
      : String(x) > String(y) ? 1
      : 0
    return order === 'asc' ? cmp : -cmp
  }

  t.test('the default order is newest first', async (t) => {
    const body = await list(alice.auth, '?limit=100')
    t.same(body.data.map((n) => n.id), [...ofAlice].sort(byKey('createdAt', 'desc')).map((s) => s.id))
  })

  for (const key of ['monthlyPrice', 'phoneNumber', 'createdAt'] as const) {
    t.test(`sorting by ${key} runs both ways`, async (t) => {
      for (const order of ['asc', 'desc'] as const) {
        const body = await list(alice.auth, `?limit=100&sortBy=${key}&sortOrder=${order}`)
        const got = body.data.map((n) => (key === 'monthlyPrice' ? Number(n[key]) : n[key]))
        const want = [...ofAlice].sort(byKey(key, order)).map((s) => (key === 'monthlyPrice' ? Number(s[key]) : key === 'createdAt' ? s.createdAt.toISOString() : s[key]))
        t.same(got, want, `${key} ${order}`)
      }
    })
  }

  t.test('numbers without a friendly name come last whichever way names are sorted', async (t) => {
    for (const order of ['asc', 'desc'] as const) {
      const names = (await list(alice.auth, `?limit=100&sortBy=friendlyName&sortOrder=${order}`)).data.map((n) => n.friendlyName)
      const named = names.filter((n) => n !== null)
      t.same(names.slice(named.length), Array(names.length - named.length).fill(null), `${order}: nulls at the end`)
      const sorted = [...named].sort()
      t.same(named, order === 'asc' ? sorted : sorted.reverse(), `${order}: names in order`)
    }
  })

  t.test('pagination reports total, pages and neighbours, and pages never overlap even on equal keys', async (t) => {
    // totalCalls takes four values over 20 numbers: only the id tells equal keys apart.
    const pages = []
    for (const page of [1, 2, 3]) pages.push(await list(alice.auth, `?limit=7&page=${page}&sortBy=totalCalls&sortOrder=asc`))
    t.same(pages[0]!.pagination, { page: 1, limit: 7, total: 20, totalPages: 3, hasNext: true, hasPrevious: false })
    t.same(pages[1]!.pagination, { page: 2, limit: 7, total: 20, totalPages: 3, hasNext: true, hasPrevious: true })
    t.same(pages[2]!.pagination, { page: 3, limit: 7, total: 20, totalPages: 3, hasNext: false, hasPrevious: true })
    t.same(pages.map((p) => p.data.length), [7, 7, 6])
    const walked = pages.flatMap((p) => p.data)
    t.equal(new Set(walked.map((n) => n.id)).size, 20, 'every number exactly once')
    t.same(walked.map((n) => n.totalCalls), [...ofAlice].sort(byKey('totalCalls', 'asc')).map((s) => s.totalCalls))
    const beyond = await list(alice.auth, '?limit=7&page=4')
    t.same(beyond.data, [])
    t.match(beyond.pagination, { page: 4, total: 20, hasNext: false, hasPrevious: true })
  })

  const refusals: Array<[string, string, RegExp]> = [
    ['an unknown query parameter', '?colour=red', /^querystring: Unrecognized key: "colour"/],
    ['an unknown status', '?status=ACTIVE,LOST', /^querystring\.status\[1\]: /],
    ['an unknown type', '?type=VANITY', /^querystring\.type\[0\]: /],
    ['an unknown sort field', '?sortBy=twilioSid', /^querystring\.sortBy: /],
    ['a page size over 100', '?limit=101', /^querystring\.limit: /],
    ['page zero', '?page=0', /^querystring\.page: /],
    ['a three-letter country', '?country=USA', /^querystring\.country: must be an ISO 3166-1 alpha-2 code/],
    ['a date that is not one', '?dateFrom=yesterday', /^querystring\.dateFrom: must be a date/],
    ['a range that ends before it starts', '?dateFrom=2026-02-01&dateTo=2026-01-01', /^querystring\.dateTo: must not be before dateFrom/],
  ]
  for (const [what, query, message] of refusals) {
    t.test(`${what} answers 400 naming the parameter`, async (t) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/numbers${query}`, headers: alice.auth })
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED')
      t.match(res.json().message, message)
    })
  }

  t.test('listing needs credentials (401) and the read:numbers permission (403)', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/numbers' })).statusCode, 401)
    const logsOnly = await createUserWithKey(prisma, 'USER', ['read:logs'])
    const res = await app.inject({ method: 'GET', url: '/api/v1/numbers', headers: logsOnly.auth })
    t.equal(res.statusCode, 403)
    t.match(res.json().message, /read:numbers/)
  })
})
