// Billing periods are calendar months in UTC, named "YYYY-MM" as UsageRecord.billingPeriod is.

const DAY_MS = 86_400_000

export interface BillingPeriod {
  /** "2026-11" */
  key: string
  /** First instant of the month, UTC. */
  start: Date
  /** First instant of the next month, UTC: the period is [start, end). */
  end: Date
  daysInMonth: number
}

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/

/** The period named `key` ("2026-11"); throws on anything else. */
export function billingPeriod(key: string): BillingPeriod {
  const match = PERIOD_PATTERN.exec(key)
  if (match === null) throw new Error(`not a billing period: "${key}" (expected YYYY-MM)`)
  const year = Number(match[1])
  const month = Number(match[2]) - 1
  const start = new Date(Date.UTC(year, month, 1))
  const end = new Date(Date.UTC(year, month + 1, 1))
  return { key, start, end, daysInMonth: Math.round((end.getTime() - start.getTime()) / DAY_MS) }
}

/** The period an instant falls in. */
export function periodOf(instant: Date): BillingPeriod {
  const key = `${String(instant.getUTCFullYear()).padStart(4, '0')}-${String(instant.getUTCMonth() + 1).padStart(2, '0')}`
  return billingPeriod(key)
}

/** The month before the one `now` falls in: what a monthly run on the 1st invoices. */
export function previousPeriod(now: Date): BillingPeriod {
  return periodOf(new Date(periodOf(now).start.getTime() - 1))
}

/**
 * True when the period is over at `now`. Invoicing a month still running would bill usage
 * that is not all in yet and could never be invoiced again (one invoice per account and period).
 */
export function isClosed(period: BillingPeriod, now: Date): boolean {
  return period.end.getTime() <= now.getTime()
}

/** "November 2026", for people. */
export function periodLabel(period: BillingPeriod): string {
  return period.start.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

/** Midnight UTC at or before `instant`. */
export function floorDay(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS) * DAY_MS
}

/** Midnight UTC at or after `instant`. */
export function ceilDay(instant: Date): number {
  return Math.ceil(instant.getTime() / DAY_MS) * DAY_MS
}

/** "2026-11-20" */
export function utcDate(instant: Date | number): string {
  return new Date(instant).toISOString().slice(0, 10)
}

export { DAY_MS }
