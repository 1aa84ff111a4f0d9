// The migrated database has the seed's data model, in snake_case, with its hand-written
// indexes and constraints, and the constraints do their job through Prisma.
import t from 'tap'
import { isCheckViolation, isUniqueViolation } from '../../src/db/errors.js'
import { createTestDatabase } from '../helpers/database.js'

const { db } = await createTestDatabase(t, { migrate: true })
const prisma = db.prisma

// Rows the bad inserts below hang off.
const user = await prisma.user.create({
  data: { email: 'owner@example.com', password: 'x', firstName: 'Ada', lastName: 'Lovelace' },
})

function numberData(phoneNumber: string, twilioSid: string) {
  return {
    phoneNumber, twilioSid, twilioAccountSid: 'AC1', countryCode: 'US',
    numberType: 'LOCAL' as const, monthlyPrice: '1.15', userId: user.id,
  }
}

// A sample of columns per table, including every kind of camelCase field the seed has.
const columns: Record<string, string[]> = {
  users: ['first_name', 'last_name', 'email_verification_token', 'is_suspended', 'created_at'],
  sessions: ['user_id', 'refresh_token', 'expires_at', 'is_revoked', 'device_info'],
  api_keys: ['key_hash', 'key_prefix', 'permissions', 'usage_count', 'last_used_at'],
  numbers: ['phone_number', 'country_code', 'number_type', 'twilio_sid', 'voice_caller_id_lookup', 'status_callback_method', 'total_sms'],
  number_configurations: ['number_id', 'routing_rules', 'fallback_rules', 'max_queue_size', 'voicemail_enabled'],
  orders: ['order_number', 'subtotal_amount', 'total_amount', 'payment_intent_id', 'cancellation_reason'],
  order_items: ['order_id', 'item_type', 'unit_price', 'total_price'],
  billing_accounts: ['stripe_customer_id', 'account_balance', 'auto_pay_enabled', 'next_billing_date'],
  payment_methods: ['billing_account_id', 'external_id', 'last4', 'expiry_month', 'is_default'],
  invoices: ['invoice_number', 'due_date', 'period_start', 'line_items', 'amount_due'],
  payments: ['billing_account_id', 'payment_method_id', 'processor_fee', 'refunded_at'],
  call_logs: ['twilio_call_sid', 'from_number', 'billable_duration', 'recording_sid', 'from_country', 'call_reason'],
  sms_logs: ['twilio_message_sid', 'media_urls', 'delivered_at', 'error_code'],
  usage_records: ['record_type', 'resource_id', 'unit_price', 'total_cost', 'billing_period'],
  webhook_endpoints: ['retry_policy', 'last_delivery_at', 'delivery_count', 'failure_count'],
  webhook_deliveries: ['webhook_endpoint_id', 'http_status', 'attempt_count', 'next_retry_at'],
  notifications: ['is_read', 'scheduled_for', 'action_url', 'expires_at'],
  audit_logs: ['resource_id', 'old_values', 'new_values', 'ip_address', 'error_message'],
  // did-edge's own, beyond the seed: the outbox of transactional mail.
  mail_outbox: ['user_id', 'text_body', 'html_body', 'scrub_after_send', 'next_attempt_at', 'sent_at'],
}

const enumTypes = [
  'user_role', 'number_type', 'number_capability', 'number_status', 'http_method',
  'order_status', 'order_item_type', 'payment_status', 'payment_processor',
  'payment_method_type', 'billing_cycle', 'invoice_status', 'call_direction', 'call_status',
  'call_quality', 'sms_direction', 'sms_status', 'usage_type', 'webhook_event',
  'delivery_status', 'notification_type', 'notification_channel', 'notification_priority',
  // did-edge's own, beyond the seed.
  'mail_status',
]

const namedIndexes = [
  'idx_users_email_active', 'idx_numbers_user_status', 'idx_call_logs_number_date',
  'idx_orders_user_date', 'idx_payments_billing_status', 'idx_numbers_search',
  'idx_call_logs_analytics', 'idx_usage_records_billing', 'idx_sessions_active',
  'idx_webhooks_pending',
]

const checkConstraints = [
  'chk_phone_number_format', 'chk_email_format', 'chk_total_amount_positive', 'chk_duration_positive',
]

t.test("all 18 tables of the seed, and did-edge's mail outbox, exist with snake_case columns", async (t) => {
  const rows = await prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`
  const actual = new Map<string, Set<string>>()
  for (const { table_name, column_name } of rows) {
    actual.set(table_name, (actual.get(table_name) ?? new Set()).add(column_name))
  }
  t.same([...actual.keys()].filter((name) => name !== '_prisma_migrations').sort(), Object.keys(columns).sort())
  for (const [table, expected] of Object.entries(columns)) {
    for (const column of expected) t.ok(actual.get(table)?.has(column), `${table}.${column}`)
  }
  const camelCase = rows.filter(({ column_name }) => /[A-Z]/.test(column_name))
  t.same(camelCase, [], 'no column name has an upper-case letter')
})

t.test("all 23 enum types of the seed, and did-edge's mail status, exist under snake_case names", async (t) => {
  const rows = await prisma.$queryRaw<{ typname: string }[]>`SELECT typname FROM pg_type WHERE typtype = 'e'`
  t.same(rows.map((row) => row.typname).sort(), [...enumTypes].sort())
})

t.test('the 10 named indexes of the seed exist, partial ones with their condition', async (t) => {
  const rows = await prisma.$queryRaw<{ indexname: string; indexdef: string }[]>`
    SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'idx\\_%'`
  const byName = new Map(rows.map((row) => [row.indexname, row.indexdef]))
  t.same([...byName.keys()].sort(), [...namedIndexes].sort())
  t.match(byName.get('idx_webhooks_pending'), /WHERE \(status = 'PENDING'::delivery_status\)/)
  t.match(byName.get('idx_sessions_active'), /WHERE \(is_revoked = false\)/)
  t.match(byName.get('idx_users_email_active'), /WHERE \(is_active = true\)/)
  t.match(byName.get('idx_call_logs_number_date'), /\(number_id, created_at DESC\)/)
})

t.test('the 4 check constraints of the seed exist', async (t) => {
  const rows = await prisma.$queryRaw<{ conname: string }[]>`
    SELECT conname FROM pg_constraint
     WHERE contype = 'c' AND connamespace = 'public'::regnamespace AND conrelid <> 0`
  t.same(rows.map((row) => row.conname).sort(), [...checkConstraints].sort())
})

t.test('a phone number not in E.164 is rejected as a check violation', async (t) => {
  const error = await prisma.number.create({ data: numberData('15551234567', 'PN-no-plus') }).catch((e: unknown) => e)
  t.ok(isCheckViolation(error), String(error))
  t.match(String(error), /chk_phone_number_format/)
  t.notOk(isUniqueViolation(error))
})

t.test('an email without @ is rejected as a check violation', async (t) => {
  const error = await prisma.user
    .create({ data: { email: 'not-an-email.example.com', password: 'x', firstName: 'A', lastName: 'B' } })
    .catch((e: unknown) => e)
  t.ok(isCheckViolation(error), String(error))
  t.match(String(error), /chk_email_format/)
})

t.test('a negative order total is rejected as a check violation', async (t) => {
  const error = await prisma.order
    .create({ data: { orderNumber: 'ORD-1', userId: user.id, subtotalAmount: '-1', totalAmount: '-1' } })
    .catch((e: unknown) => e)
  t.ok(isCheckViolation(error), String(error))
  t.match(String(error), /chk_total_amount_positive/)
})

t.test('a negative call duration is rejected as a check violation', async (t) => {
  const error = await prisma.callLog
    .create({
      data: {
        userId: user.id, twilioCallSid: 'CA-negative', twilioAccountSid: 'AC1',
        fromNumber: '+15550000001', toNumber: '+15550000002',
        direction: 'INBOUND', status: 'COMPLETED', duration: -1,
      },
    })
    .catch((e: unknown) => e)
  t.ok(isCheckViolation(error), String(error))
  t.match(String(error), /chk_duration_positive/)
})

t.test('a duplicate phone number is rejected as a unique violation', async (t) => {
  await prisma.number.create({ data: numberData('+15551230000', 'PN-first') })
  const error = await prisma.number.create({ data: numberData('+15551230000', 'PN-second') }).catch((e: unknown) => e)
  t.ok(isUniqueViolation(error), String(error))
  t.notOk(isCheckViolation(error))
})

t.test('deleting a user deletes their sessions but is refused while they own numbers', async (t) => {
  const owner = await prisma.user.create({
    data: { email: 'leaving@example.com', password: 'x', firstName: 'L', lastName: 'E' },
  })
  await prisma.session.create({ data: { userId: owner.id, refreshToken: 'rt-1', expiresAt: new Date(Date.now() + 60_000) } })
  await prisma.number.create({ data: { ...numberData('+15557770000', 'PN-owned'), userId: owner.id } })

  await t.rejects(prisma.user.delete({ where: { id: owner.id } }), { code: 'P2003' })
  t.equal(await prisma.session.count({ where: { userId: owner.id } }), 1, 'nothing was deleted')

  await prisma.number.deleteMany({ where: { userId: owner.id } })
  await prisma.user.delete({ where: { id: owner.id } })
  t.equal(await prisma.session.count({ where: { userId: owner.id } }), 0, 'sessions went with the user')
})
