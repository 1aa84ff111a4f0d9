import { randomBytes } from 'node:crypto'
import t from 'tap'
import { csvCell } from '../../src/api/logs/csv.js'
import { prefersCsv } from '../../src/api/logs/negotiation.js'
import { callLogListQuerySchema, callLogSchema, smsLogSchema } from '../../src/api/logs/schemas.js'
import { callLogBatches } from '../../src/api/logs/service.js'
import { rolePermissions } from '../../src/auth/permissions.js'
import { buildTestApp } from '../helpers/app.js'
import { createUserWithKey, registerNumberFor } from '../helpers/users.js'

/** RFC 4180, strictly: quoted fields may hold commas, CRLF and doubled quotes; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch !== '"') cell += ch
      else if (text[i + 1] === '"') (cell += '"'), i++
      else quoted = false
    } else if (ch === '"' && cell === '') quoted = true
    else if (ch === ',') record.push(cell), (cell = '')
    else if (ch === '\r' && text[i + 1] === '\n') record.push(cell), records.push(record), (record = []), (cell = ''), i++
    else if (ch === '\r' || ch === '\n' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} outside quotes at ${i}`)
    else cell += ch
  }
  if (cell !== '' || record.length > 0) throw new Error('last record does not end with CRLF')
  return records
}

t.test('the Accept header picks CSV only when the client prefers it', async (t) => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['*/*', false],
    ['application/json', false],
    ['text/csv', true],
    ['TEXT/CSV; charset=utf-8', true],
    ['text/csv, */*;q=0.8', true],
    ['text/csv, application/json', true],
    ['application/json, text/csv', false],
    ['text/csv;q=0.5, application/json', false],
    ['application/json;q=0.2, text/csv;q=0.9', true],
    ['text/*', false],
    ['text/csv;q=0', false],
    ['text/html, text/csv;q=0.9', true],
  ]
  for (const [accept, csv] of cases) t.equal(prefersCsv(accept), csv, `Accept: ${accept}`)
})

t.test('a CSV cell is quoted when RFC 4180 requires it and neutralised when a spreadsheet would run it', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['plain', 'plain'],
    [null, ''],
    [42, '42'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['line\nfeed', '"line\nfeed"'],
    ['=1+2', "'=1+2"],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+14155550123', '+14155550123'],
    ['-0.0085', '-0.0085'],
    [['vip', 'sales'], 'vip;sales'],
  ]
  for (const [value, expected] of cases) t.equal(csvCell(value), expected, JSON.stringify(value))
})

t.test('CSV export of the log lists', async (t) => {
  const app = await buildTestApp(t)
  const prisma = app.db.prisma
  const admin = await createUserWithKey(prisma, 'ADMIN')
  const alice = await createUserWithKey(prisma)
  const bob = await createUserWithKey(prisma)
  const newNumber = (owner: { user: { id: string } }) => registerNumberFor(app, admin.auth, owner)
  const aliceNumber = await newNumber(alice)
  const bobNumber = await newNumber(bob)

  // 2,345 calls for Alice, seven per second, so rows sharing a created_at straddle a 1,000-row
  // batch boundary; every fifth one is FAILED. Bob has three.
  const ALICE_CALLS = 2345
  await prisma.$executeRaw`
    INSERT INTO call_logs (id, user_id, number_id, twilio_call_sid, twilio_account_sid, from_number, to_number, direction, status, duration, price, created_at)
    SELECT 'a' || lpad(i::text, 6, '0'), ${alice.user.id}, ${aliceNumber.id}, 'CA' || md5('a' || i), 'AC' || repeat('a', 32),
           '+12125550100', ${aliceNumber.phoneNumber}, 'INBOUND'::call_direction,
           (CASE WHEN i % 5 = 0 THEN 'FAILED' ELSE 'COMPLETED' END)::call_status, i % 90, -0.0085,
           timestamp '2026-11-01 00:00:00' - (i / 7) * interval '1 second'
    FROM generate_series(1, ${ALICE_CALLS}::int) AS i`
  await prisma.$executeRaw`
    INSERT INTO call_logs (id, user_id, number_id, twilio_call_sid, twilio_account_sid, from_number, to_number, direction, status, created_at)
    SELECT 'b' || i, ${bob.user.id}, ${bobNumber.id}, 'CA' || md5('b' || i), 'AC' || repeat('a', 32),
           '+12125550100', ${bobNumber.phoneNumber}, 'OUTBOUND'::call_direction, 'COMPLETED'::call_status, timestamp '2026-10-01 00:00:00' + i * interval '1 hour'
    FROM generate_series(1, 3) AS i`
  const aliceOrder = (await prisma.callLog.findMany({ where: { userId: alice.user.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true } })).map((r) => r.id)

  const exportCalls = (headers: Record<string, string>, query = '') =>
    app.inject({ method: 'GET', url: `/api/v1/call-logs${query}`, headers: { ...headers, accept: 'text/csv' } })

  t.test('Accept: text/csv downloads every matching call log, page and limit ignored, newest first', async (t) => {
    const res = await exportCalls(alice.auth, '?limit=5&page=3')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
    t.equal(res.headers['content-disposition'], 'attachment; filename="call-logs.csv"')
    t.match(res.headers.vary, /Accept/)
    const [header, ...rows] = parseCsv(res.body)
    t.strictSame(header, Object.keys(callLogSchema.shape), 'a header row naming the JSON fields')
    t.equal(rows.length, ALICE_CALLS, 'all rows, across three batches')
    const idColumn = header!.indexOf('id')
    t.strictSame(rows.map((r) => r[idColumn]), aliceOrder, 'in (createdAt, id) order, none repeated or lost at a batch boundary')
    const row = Object.fromEntries(header!.map((name, i) => [name, rows[0]![i]]))
    t.match(row, { userId: alice.user.id, fromNumber: '+12125550100', toNumber: aliceNumber.phoneNumber, price: '-0.0085', numberId: aliceNumber.id, tags: '' })
    t.equal(row.createdAt, '2026-11-01T00:00:00.000Z')
    const createdAt = header!.indexOf('createdAt')
    t.equal(rows[1999]![createdAt], rows[2000]![createdAt], 'the second batch boundary falls inside a run of equal created_at')
  })

  t.test('the export applies the filters and the tenancy of the list', async (t) => {
    const failed = parseCsv((await exportCalls(alice.auth, '?status=FAILED')).body)
    t.equal(failed.length - 1, ALICE_CALLS / 5)
    t.ok(failed.slice(1).every((r) => r[failed[0]!.indexOf('status')] === 'FAILED'))
    const bobs = parseCsv((await exportCalls(bob.auth)).body)
    t.equal(bobs.length - 1, 3, "bob's export holds his three calls only")
    const oldestFirst = parseCsv((await exportCalls(bob.auth, '?sortOrder=asc')).body)
    t.strictSame(oldestFirst.slice(1).map((r) => r[0]), ['b1', 'b2', 'b3'])
    const nothing = parseCsv((await exportCalls(alice.auth, '?status=BUSY')).body)
    t.strictSame(nothing, [Object.keys(callLogSchema.shape)], 'no match: the header row alone')
    const all = parseCsv((await exportCalls(admin.auth)).body)
    t.equal(all.length - 1, ALICE_CALLS + 3, 'an administrator exports every tenant')
  })

  t.test('the export reads in keyset batches of 1,000 rows', async (t) => {
    const principal = { user: alice.user, permissions: rolePermissions('USER'), via: { kind: 'apiKey' as const, apiKeyId: 'x' } }
    const sizes: number[] = []
    for await (const batch of callLogBatches(prisma, principal, callLogListQuerySchema.parse({}))) sizes.push(batch.length)
    t.strictSame(sizes, [1000, 1000, 345])
  })

  t.test('invalid query parameters still answer JSON errors', async (t) => {
    const res = await exportCalls(alice.auth, '?status=LOST')
    t.equal(res.statusCode, 400)
    t.match(res.headers['content-type'], /^application\/json/)
    t.match(res.json(), { code: 'VALIDATION_FAILED', message: /^querystring\.status\[0\]: / })
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/call-logs', headers: { accept: 'text/csv' } })
    t.equal(anonymous.statusCode, 401)
    t.match(anonymous.headers['content-type'], /^application\/json/)
  })

  t.test('a client preferring JSON gets the JSON page', async (t) => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/call-logs?limit=2',
      headers: { ...alice.auth, accept: 'text/csv;q=0.5, application/json' },
    })
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.json().data.length, 2)
  })

  t.test('SMS export: RFC 4180 quoting of bodies and formula protection', async (t) => {
    const bodies = [
      'Hello, "friend"\r\nsee you at 5',
      'line one\nline two',
      '=HYPERLINK("http://evil.example","click")',
      '@SUM(1+1)',
      '-1+1',
      '\tindented',
      'plain',
    ]
    await prisma.smsLog.createMany({
      data: bodies.map((body, i) => ({
        numberId: aliceNumber.id,
        twilioMessageSid: `SM${randomBytes(16).toString('hex')}`,
        twilioAccountSid: `AC${'a'.repeat(32)}`,
        fromNumber: '+12125550100',
        toNumber: aliceNumber.phoneNumber,
        direction: 'INBOUND' as const,
        body,
        status: 'DELIVERED' as const,
        createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
      })),
    })
    const res = await app.inject({ method: 'GET', url: '/api/v1/sms-logs?sortOrder=asc', headers: { ...alice.auth, accept: 'text/csv' } })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-disposition'], 'attachment; filename="sms-logs.csv"')
    t.ok(res.body.includes('"Hello, ""friend""\r\nsee you at 5"'), 'quotes doubled, the field quoted because of its comma and CRLF')
    const [header, ...rows] = parseCsv(res.body)
    t.strictSame(header, Object.keys(smsLogSchema.shape))
    const body = header!.indexOf('body')
    t.strictSame(
      rows.map((r) => r[body]),
      [
        'Hello, "friend"\r\nsee you at 5',
        'line one\nline two',
        `'=HYPERLINK("http://evil.example","click")`,
        "'@SUM(1+1)",
        "'-1+1",
        "'\tindented",
        'plain',
      ],
      'bodies round-trip, formulas neutralised with a leading quote',
    )
    t.equal(rows[0]![header!.indexOf('fromNumber')], '+12125550100', 'E.164 numbers are left as they are')
    const bobs = parseCsv((await app.inject({ method: 'GET', url: '/api/v1/sms-logs', headers: { ...bob.auth, accept: 'text/csv' } })).body)
    t.equal(bobs.length, 1, "bob's export has the header only: alice's messages stay hers")
  })
})
