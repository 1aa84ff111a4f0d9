import type { Principal } from '../../auth/principal.js'
import { conflict } from '../../errors.js'
import { recordDomainEvent } from '../../events/domain-events.js'
import type { Number as NumberRow, PrismaClient } from '../../generated/prisma/client.js'
import { createNotification } from '../../notifications/notify.js'
import { twilioNotConfigured, upstreamError } from '../../twilio/client.js'
import type { TwilioNumbers } from '../../twilio/numbers.js'
import { effectiveWebhookConfig, TWILIO_WEBHOOK_FIELDS, webhookMismatches } from '../../twilio/webhook-urls.js'
import type { UpdateNumberInput } from './schemas.js'
import { getNumber, updateNumber } from './service.js'

/**
 * The number operations that involve Twilio: changing its webhooks (Twilio first, then the
 * row) and releasing it (Twilio first, then the row). Twilio is the side that can refuse, so it
 * goes first; a refusal leaves the row exactly as it was.
 */

/**
 * PATCH /numbers/:id. A change to a field Twilio also holds (webhook URLs and methods, caller-ID
 * lookup) is pushed to Twilio with the number's whole webhook configuration before the row is
 * written; other fields (name, tags, notes) never call Twilio. Without Twilio configured such a
 * change answers 503 rather than leaving did-edge and Twilio disagreeing.
 */
export async function updateNumberSynced(
  prisma: PrismaClient,
  twilio: TwilioNumbers | null,
  publicBaseUrl: string,
  principal: Principal,
  id: string,
  input: UpdateNumberInput,
): Promise<{ previous: NumberRow; row: NumberRow; synced: boolean }> {
  let synced = false
  const result = await updateNumber(prisma, principal, id, input, async (previous) => {
    const touched = TWILIO_WEBHOOK_FIELDS.filter((field) => field in input && input[field] !== previous[field])
    if (touched.length === 0) return
    const before = effectiveWebhookConfig(previous, publicBaseUrl)
    const after = effectiveWebhookConfig({ ...previous, ...input }, publicBaseUrl)
    // e.g. a URL set to did-edge's own, where null already meant did-edge's own.
    if (webhookMismatches(after, before).length === 0) return
    if (previous.status === 'RELEASED') throw conflict(`${previous.phoneNumber} is released: its webhooks cannot change`)
    if (twilio === null) throw twilioNotConfigured("changing a number's webhooks")
    try {
      await twilio.configure(previous.twilioAccountSid, previous.twilioSid, after)
    } catch (err) {
      throw upstreamError(`update the webhooks of ${previous.phoneNumber}`, err)
    }
    synced = true
  })
  return { ...result, synced }
}

/**
 * DELETE /numbers/:id: releases the number at Twilio, then marks it RELEASED (a soft delete: its
 * call and SMS logs, order and invoices keep pointing at it) and records NUMBER_RELEASED.
 */
export async function releaseNumber(
  prisma: PrismaClient,
  twilio: TwilioNumbers | null,
  principal: Principal,
  id: string,
): Promise<{ previous: NumberRow; row: NumberRow }> {
  const previous = await getNumber(prisma, principal, id, 'write')
  if (previous.status === 'RELEASED') {
    throw conflict(`${previous.phoneNumber} is already released`, { releasedAt: previous.releasedAt?.toISOString() ?? null })
  }
  if (twilio === null) throw twilioNotConfigured('releasing a number')
  try {
    await twilio.release(previous.twilioAccountSid, previous.twilioSid)
  } catch (err) {
    // Twilio still bills the number: it stays ACTIVE here too. A 20404 (Twilio no longer has
    // it) is reported, not assumed: `npm run twilio:reconcile --fix` settles such rows.
    throw upstreamError(`release ${previous.phoneNumber}`, err)
  }
  const row = await prisma.$transaction(async (tx) => {
    const row = await tx.number.update({ where: { id: previous.id }, data: { status: 'RELEASED', releasedAt: new Date() } })
    await recordDomainEvent(tx, {
      userId: row.userId,
      event: 'NUMBER_RELEASED',
      data: { numberId: row.id, phoneNumber: row.phoneNumber, twilioSid: row.twilioSid, releasedAt: row.releasedAt!.toISOString() },
    })
    await createNotification(tx, {
      userId: row.userId,
      type: 'SYSTEM',
      category: 'numbers',
      title: 'Number released',
      message: `${row.phoneNumber} was released. Its call and SMS history stays available.`,
      metadata: { numberId: row.id, phoneNumber: row.phoneNumber },
    })
    return row
  })
  return { previous, row }
}
