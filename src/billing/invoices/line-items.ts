// The seed's InvoiceLineItem and UsageDetails, as stored in Invoice.lineItems (JSON). Amounts
// and quantities are decimal strings ("1.15", "0.4217"), never JSON numbers: a float would lose
// the sub-cent prices Twilio charges.

export type LineItemType = 'usage' | 'subscription' | 'one_time' | 'tax' | 'discount'

export interface UsageBreakdownDay {
  /** UTC calendar day, "2026-11-02". */
  date: string
  quantity: string
  cost: string
}

export interface UsageDetails {
  unit: string
  /** The unit price when every record of the line had the same one, else the average (cost / quantity). */
  rate: string
  quantity: string
  breakdown: UsageBreakdownDay[]
}

export interface InvoiceLineItem {
  id: string
  description: string
  quantity: string
  unitPrice: string
  totalPrice: string
  type: LineItemType
  /** The part of the billing period the line covers, [start, end) as ISO instants. */
  period?: { start: string; end: string }
  details?: {
    resourceId?: string
    resourceType?: string
    usageDetails?: UsageDetails
    /** Monthly fees only (an addition to the seed's shape): the days billed out of the month's. */
    proration?: { activeDays: number; daysInMonth: number }
  }
}
