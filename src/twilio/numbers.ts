import type { NumberCapability } from '../generated/prisma/client.js'
import type { Metrics, TwilioOperation } from '../metrics/metrics.js'
import { type TwilioClient, twilioRefusal } from './client.js'
import type { TwilioNumberSettings, TwilioWebhookConfig } from './webhook-urls.js'

/**
 * The part of Twilio's REST API did-edge uses for numbers, over twilio-node: search, buy, find,
 * list, configure, release, and the price list. Errors are twilio-node's own (RestException
 * when Twilio answered, a network error otherwise): callers decide what each means, and
 * turn them into the API's 502 with `upstreamError`.
 */

export type SearchType = 'local' | 'tollFree' | 'mobile'

export interface Capabilities {
  voice: boolean
  sms: boolean
  mms: boolean
  fax: boolean
}

export interface SearchFilters {
  areaCode?: number
  contains?: string
  inRegion?: string
  inLocality?: string
  inPostalCode?: string
  smsEnabled?: boolean
  voiceEnabled?: boolean
  limit: number
}

export interface AvailableNumber {
  phoneNumber: string
  friendlyName: string
  locality: string | null
  region: string | null
  postalCode: string | null
  isoCountry: string
  capabilities: Capabilities
}

export interface OwnedNumber extends TwilioNumberSettings {
  sid: string
  accountSid: string
  phoneNumber: string
  friendlyName: string | null
  capabilities: Capabilities
}

export interface BuyRequest extends TwilioWebhookConfig {
  phoneNumber: string
  friendlyName?: string
}

/**
 * Twilio spells capability keys differently per resource (`voice`/`SMS`/`MMS` on available
 * numbers, `voice`/`sms`/`mms`/`fax` on incoming ones): read them case-insensitively.
 */
export function parseCapabilities(raw: unknown): Capabilities {
  const flags = new Map<string, boolean>()
  if (raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) flags.set(key.toLowerCase(), value === true || value === 'true')
  }
  return { voice: flags.get('voice') ?? false, sms: flags.get('sms') ?? false, mms: flags.get('mms') ?? false, fax: flags.get('fax') ?? false }
}

/** The Number row's capability list. */
export function capabilityList(c: Capabilities): NumberCapability[] {
  const list: NumberCapability[] = []
  if (c.voice) list.push('VOICE')
  if (c.sms) list.push('SMS')
  if (c.mms) list.push('MMS')
  if (c.fax) list.push('FAX')
  return list
}

const orNull = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v)

interface IncomingInstance {
  sid: string
  accountSid: string
  phoneNumber: string
  friendlyName: string | null
  capabilities: unknown
  voiceUrl: string | null
  voiceMethod: string | null
  voiceFallbackUrl: string | null
  voiceFallbackMethod: string | null
  statusCallback: string | null
  statusCallbackMethod: string | null
  smsUrl: string | null
  smsMethod: string | null
  smsFallbackUrl: string | null
  smsFallbackMethod: string | null
  voiceCallerIdLookup: boolean | null
}

function owned(n: IncomingInstance): OwnedNumber {
  return {
    sid: n.sid,
    accountSid: n.accountSid,
    phoneNumber: n.phoneNumber,
    friendlyName: orNull(n.friendlyName),
    capabilities: parseCapabilities(n.capabilities),
    voiceUrl: n.voiceUrl,
    voiceMethod: n.voiceMethod,
    voiceFallbackUrl: n.voiceFallbackUrl,
    voiceFallbackMethod: n.voiceFallbackMethod,
    statusCallback: n.statusCallback,
    statusCallbackMethod: n.statusCallbackMethod,
    smsUrl: n.smsUrl,
    smsMethod: n.smsMethod,
    smsFallbackUrl: n.smsFallbackUrl,
    smsFallbackMethod: n.smsFallbackMethod,
    voiceCallerIdLookup: n.voiceCallerIdLookup,
  }
}

/** The same configuration as Twilio's update/create parameters ('' clears a URL). */
function webhookParams(c: TwilioWebhookConfig) {
  return {
    voiceUrl: c.voiceUrl,
    voiceMethod: c.voiceMethod,
    voiceFallbackUrl: c.voiceFallbackUrl,
    voiceFallbackMethod: c.voiceFallbackMethod,
    statusCallback: c.statusCallback,
    statusCallbackMethod: c.statusCallbackMethod,
    smsUrl: c.smsUrl,
    smsMethod: c.smsMethod,
    smsFallbackUrl: c.smsFallbackUrl,
    smsFallbackMethod: c.smsFallbackMethod,
    voiceCallerIdLookup: c.voiceCallerIdLookup,
  }
}

export interface CountryPriceList {
  isoCountry: string
  country: string
  currency: string
  /** Monthly price by Twilio's number type ("local", "toll free", "mobile", ...), as decimal strings. */
  monthly: Array<{ numberType: string; basePrice: string; currentPrice: string }>
}

/** The fields did-edge reads of Twilio's Local, TollFree and Mobile search results. */
interface AvailableInstance {
  phoneNumber: string
  friendlyName: string
  locality: string | null
  region: string | null
  postalCode: string | null
  isoCountry: string
  capabilities: unknown
}

export class TwilioNumbers {
  private metrics: Metrics | undefined

  constructor(
    private readonly client: TwilioClient,
    /** The account numbers are bought on and listed from. */
    readonly accountSid: string,
  ) {}

  /** Counts and times every REST call from now on in did_edge_twilio_* of this registry. */
  reportTo(metrics: Metrics): void {
    this.metrics = metrics
  }

  /** Runs one REST call, counted by operation and outcome (any throw, refusal or network, is an error). */
  private async call<T>(operation: TwilioOperation, request: () => Promise<T>): Promise<T> {
    const metrics = this.metrics
    if (metrics === undefined) return request()
    const stopTimer = metrics.twilioDuration.startTimer({ operation })
    try {
      const result = await request()
      metrics.twilioRequests.inc({ operation, outcome: 'success' })
      return result
    } catch (err) {
      metrics.twilioRequests.inc({ operation, outcome: 'error' })
      throw err
    } finally {
      stopTimer()
    }
  }

  async search(country: string, type: SearchType, filters: SearchFilters): Promise<AvailableNumber[]> {
    const { limit, ...rest } = filters
    const params = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
    const country_ = this.client.availablePhoneNumbers(country)
    // The three resources take the same filters and return the same fields.
    const found: AvailableInstance[] = await this.call<AvailableInstance[]>('search', () =>
      type === 'local'
        ? country_.local.list({ ...params, limit })
        : type === 'tollFree'
          ? country_.tollFree.list({ ...params, limit })
          : country_.mobile.list({ ...params, limit }),
    )
    return found.map((n) => ({
      phoneNumber: n.phoneNumber,
      friendlyName: n.friendlyName,
      locality: orNull(n.locality),
      region: orNull(n.region),
      postalCode: orNull(n.postalCode),
      isoCountry: n.isoCountry,
      capabilities: parseCapabilities(n.capabilities),
    }))
  }

  async buy(request: BuyRequest): Promise<OwnedNumber> {
    const created = await this.call('buy', () =>
      this.client.incomingPhoneNumbers.create({
        phoneNumber: request.phoneNumber,
        ...(request.friendlyName !== undefined && { friendlyName: request.friendlyName }),
        ...webhookParams(request),
      }),
    )
    return owned(created)
  }

  /** The account's number with this SID (PN…), or null when the account has none such. */
  async fetchOwned(sid: string): Promise<OwnedNumber | null> {
    try {
      return owned(await this.call('fetch', () => this.client.api.v2010.accounts(this.accountSid).incomingPhoneNumbers(sid).fetch()))
    } catch (err) {
      if (twilioRefusal(err)?.status === 404) return null
      throw err
    }
  }

  /** The account's number with exactly this E.164 number, or null. */
  async findOwned(phoneNumber: string): Promise<OwnedNumber | null> {
    const found = await this.call('list', () => this.client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 }))
    const match = found.find((n) => n.phoneNumber === phoneNumber)
    return match === undefined ? null : owned(match)
  }

  /** Every number of the account (twilio-node follows Twilio's pages). */
  async listOwned(): Promise<OwnedNumber[]> {
    const all = await this.call('list', () => this.client.incomingPhoneNumbers.list({ pageSize: 1000 }))
    return all.map(owned)
  }

  /** Sets a number's whole webhook configuration; `accountSid` is the number's (sub)account. */
  async configure(accountSid: string, sid: string, config: TwilioWebhookConfig): Promise<OwnedNumber> {
    const updated = await this.call('update', () =>
      this.client.api.v2010.accounts(accountSid).incomingPhoneNumbers(sid).update(webhookParams(config)),
    )
    return owned(updated)
  }

  async release(accountSid: string, sid: string): Promise<void> {
    await this.call('release', () => this.client.api.v2010.accounts(accountSid).incomingPhoneNumbers(sid).remove())
  }

  async countryPrices(country: string): Promise<CountryPriceList> {
    const c = await this.call('price_list', () => this.client.pricing.v1.phoneNumbers.countries(country).fetch())
    return {
      isoCountry: c.isoCountry,
      country: c.country,
      currency: (c.priceUnit ?? 'USD').toUpperCase(),
      monthly: (c.phoneNumberPrices ?? []).map((p) => ({
        numberType: String(p.numberType ?? ''),
        basePrice: String(p.basePrice ?? ''),
        currentPrice: String(p.currentPrice ?? p.basePrice ?? ''),
      })),
    }
  }
}
