// A local fake of the part of Twilio's REST API did-edge calls: a real HTTP server (node:http)
// that the real twilio-node client talks to through TWILIO_API_BASE_URL. It keeps state like
// Twilio does (numbers for sale, numbers the account owns), answers in Twilio's JSON shapes
// (snake_case, paging fields, error bodies with code/message/more_info/status), checks Basic
// auth, and records every request so tests can assert what was sent.
//
//   const fake = await startFakeTwilio(t)
//   fake.addAvailable({ phoneNumber: '+14155550100', locality: 'San Francisco', region: 'CA' })
//   const app = await buildTestApp(t, { ...fake.env, PUBLIC_BASE_URL: 'https://edge.example.com' })
//
// Endpoints (everything else answers Twilio's 404, code 20404):
//   GET    /2010-04-01/Accounts/{AC}/AvailablePhoneNumbers/{CC}/{Local|TollFree|Mobile}.json
//   POST   /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json          buy (201)
//   GET    /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json          list, paged
//   GET    /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json     fetch
//   POST   /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json     update
//   DELETE /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json     release (204)
//   GET    /v1/PhoneNumbers/Countries/{CC}                              prices (pricing domain)
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type SearchKind = 'Local' | 'TollFree' | 'Mobile'

export interface AvailableNumber {
  phoneNumber: string
  kind: SearchKind
  friendlyName: string
  locality: string | null
  region: string | null
  postalCode: string | null
  isoCountry: string
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean }
}

/** An IncomingPhoneNumber exactly as Twilio's JSON has it. */
export type OwnedJson = Record<string, unknown> & {
  sid: string
  account_sid: string
  phone_number: string
  friendly_name: string
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  form: Record<string, string>
  authorized: boolean
}

/** A scripted failure: the next `times` requests matching method and path get this answer. */
export interface ForcedFailure {
  method: string
  path: RegExp
  status?: number
  code?: number
  message?: string
  /** Cut the connection without answering (a network failure, as the client sees it). */
  hangUp?: boolean
  /** How many requests it applies to; unlimited when absent. */
  times?: number
}

export interface PriceList {
  country: string
  priceUnit: string
  prices: Array<{ numberType: string; basePrice: string; currentPrice: string }>
}

const API = '/2010-04-01'

function sid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`
}

/** Form parameter → JSON field of an IncomingPhoneNumber, for create and update. */
const SETTABLE: Record<string, string> = {
  FriendlyName: 'friendly_name',
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  StatusCallback: 'status_callback',
  StatusCallbackMethod: 'status_callback_method',
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  SmsFallbackUrl: 'sms_fallback_url',
  SmsFallbackMethod: 'sms_fallback_method',
  VoiceCallerIdLookup: 'voice_caller_id_lookup',
}

const KEYPAD: Record<string, string> = Object.fromEntries(
  ['abc', 'def', 'ghi', 'jkl', 'mno', 'pqrs', 'tuv', 'wxyz'].flatMap((letters, i) => [...letters].map((l) => [l, String(i + 2)])),
)

/** Twilio's `Contains` pattern (digits, letters as on a keypad, `*` for any digit) as a regex. */
function containsPattern(pattern: string): RegExp {
  const body = [...pattern.toLowerCase()].map((c) => (c === '*' ? '\\d' : /\d/.test(c) ? c : (KEYPAD[c] ?? c))).join('')
  return new RegExp(body)
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000')
}

export class FakeTwilio {
  url = ''
  readonly accountSid: string
  readonly authToken: string
  /** Numbers for sale. */
  readonly available: AvailableNumber[] = []
  /** Numbers the account owns, by SID, in the order they were bought. */
  readonly owned = new Map<string, OwnedJson>()
  /** Numbers listed for sale that a purchase is refused for (Twilio error 21422). */
  readonly unavailable = new Set<string>()
  /** Numbers whose purchase goes through but whose answer never arrives. */
  readonly hangUpAfterBuying = new Set<string>()
  readonly prices = new Map<string, PriceList>()
  readonly requests: RecordedRequest[] = []
  readonly failures: ForcedFailure[] = []
  /** Twilio caps a page at 1000 records; tests lower it to exercise paging. */
  maxPageSize = 1000
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 20500, message: String(err), status: 500 }))
    })
  })

  constructor(options: { accountSid?: string; authToken?: string } = {}) {
    this.accountSid = options.accountSid ?? sid('AC')
    this.authToken = options.authToken ?? randomBytes(16).toString('hex')
    this.prices.set('US', {
      country: 'United States',
      priceUnit: 'USD',
      prices: [
        { numberType: 'local', basePrice: '1.15', currentPrice: '1.15' },
        { numberType: 'toll free', basePrice: '2.15', currentPrice: '2.15' },
      ],
    })
  }

  /** The environment a did-edge app needs to use this fake. */
  get env(): Record<string, string> {
    return { TWILIO_ACCOUNT_SID: this.accountSid, TWILIO_AUTH_TOKEN: this.authToken, TWILIO_API_BASE_URL: this.url }
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  addAvailable(...numbers: Array<Partial<AvailableNumber> & { phoneNumber: string }>): void {
    for (const n of numbers) {
      this.available.push({
        kind: 'Local',
        friendlyName: n.phoneNumber,
        locality: null,
        region: null,
        postalCode: null,
        isoCountry: 'US',
        capabilities: { voice: true, sms: true, mms: true, fax: false },
        ...n,
      })
    }
  }

  /** Puts a number on the account as if bought earlier (in the Console, say); returns its JSON. */
  own(phoneNumber: string, fields: Record<string, unknown> = {}): OwnedJson {
    const now = new Date()
    const numberSid = typeof fields.sid === 'string' ? fields.sid : sid('PN')
    const json: OwnedJson = {
      account_sid: this.accountSid,
      address_requirements: 'none',
      address_sid: null,
      api_version: '2010-04-01',
      beta: false,
      bundle_sid: null,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      date_created: rfc2822(now),
      date_updated: rfc2822(now),
      emergency_address_sid: null,
      emergency_address_status: 'unregistered',
      emergency_status: 'Active',
      friendly_name: phoneNumber,
      identity_sid: null,
      origin: 'twilio',
      phone_number: phoneNumber,
      sms_application_sid: '',
      sms_fallback_method: 'POST',
      sms_fallback_url: '',
      sms_method: 'POST',
      sms_url: '',
      status: 'in-use',
      status_callback: '',
      status_callback_method: 'POST',
      trunk_sid: null,
      type: 'local',
      voice_application_sid: null,
      voice_caller_id_lookup: false,
      voice_fallback_method: 'POST',
      voice_fallback_url: null,
      voice_method: 'POST',
      voice_receive_mode: 'voice',
      voice_url: null,
      ...fields,
      sid: numberSid,
      uri: `${API}/Accounts/${this.accountSid}/IncomingPhoneNumbers/${numberSid}.json`,
    }
    this.owned.set(numberSid, json)
    return json
  }

  ownedByNumber(phoneNumber: string): OwnedJson | undefined {
    return [...this.owned.values()].find((n) => n.phone_number === phoneNumber)
  }

  fail(failure: ForcedFailure): void {
    this.failures.push(failure)
  }

  /** Recorded requests with this method whose path matches. */
  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path))
  }

  /** The purchase requests (POST IncomingPhoneNumbers.json) for one number. */
  purchasesOf(phoneNumber: string): RecordedRequest[] {
    return this.requestsTo('POST', /\/IncomingPhoneNumbers\.json$/).filter((r) => r.form.PhoneNumber === phoneNumber)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const form = Object.fromEntries(new URLSearchParams(req.headers['content-type']?.includes('form') ? body : ''))
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form,
      authorized: req.headers.authorization === expected,
    }
    this.requests.push(recorded)

    const error = (status: number, code: number, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }))
    }
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(payload))
    }

    if (!recorded.authorized) return error(401, 20003, 'Authenticate')
    const failure = this.failures.find((f) => f.method === recorded.method && f.path.test(url.pathname) && (f.times ?? 1) > 0)
    if (failure !== undefined) {
      if (failure.times !== undefined) failure.times -= 1
      if (failure.hangUp) return void req.socket.destroy()
      return error(failure.status ?? 500, failure.code ?? 20500, failure.message ?? 'Internal Server Error')
    }
    const notFound = () => error(404, 20404, `The requested resource ${url.pathname} was not found`)

    const pricing = /^\/v1\/PhoneNumbers\/Countries\/([A-Z]{2})$/.exec(url.pathname)
    if (pricing && req.method === 'GET') {
      const list = this.prices.get(pricing[1]!)
      if (list === undefined) return notFound()
      return json(200, {
        country: list.country,
        iso_country: pricing[1],
        phone_number_prices: list.prices.map((p) => ({ number_type: p.numberType, base_price: p.basePrice, current_price: p.currentPrice })),
        price_unit: list.priceUnit,
        url: `https://pricing.twilio.com/v1/PhoneNumbers/Countries/${pricing[1]}`,
      })
    }

    const account = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(.+)$/.exec(url.pathname)
    if (account === null || account[1] !== this.accountSid) return notFound()
    const rest = account[2]!

    const search = /^AvailablePhoneNumbers\/([A-Z]{2})\/(Local|TollFree|Mobile)\.json$/.exec(rest)
    if (search && req.method === 'GET') return json(200, this.search(search[1]!, search[2] as SearchKind, url))

    if (rest === 'IncomingPhoneNumbers.json') {
      if (req.method === 'POST') return this.buy(form, req, res, error, json)
      if (req.method === 'GET') return json(200, this.list(url))
    }

    const one = /^IncomingPhoneNumbers\/(PN[0-9a-f]{32})\.json$/.exec(rest)
    if (one) {
      const number = this.owned.get(one[1]!)
      if (number === undefined) return notFound()
      if (req.method === 'GET') return json(200, number)
      if (req.method === 'POST') {
        for (const [param, value] of Object.entries(form)) {
          const field = SETTABLE[param]
          if (field !== undefined) number[field] = field === 'voice_caller_id_lookup' ? value === 'true' : value
        }
        number.date_updated = rfc2822(new Date())
        return json(200, number)
      }
      if (req.method === 'DELETE') {
        this.owned.delete(one[1]!)
        res.writeHead(204)
        return void res.end()
      }
    }
    return notFound()
  }

  private search(country: string, kind: SearchKind, url: URL) {
    const q = url.searchParams
    const flag = (name: string) => (q.has(name) ? q.get(name) === 'true' : undefined)
    const sms = flag('SmsEnabled')
    const voice = flag('VoiceEnabled')
    const mms = flag('MmsEnabled')
    const contains = q.get('Contains')
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50), this.maxPageSize)
    const matches = this.available
      .filter((n) => n.isoCountry === country && n.kind === kind && !this.ownedByNumber(n.phoneNumber))
      .filter((n) => !q.has('AreaCode') || n.phoneNumber.startsWith(`+1${q.get('AreaCode')}`))
      .filter((n) => contains === null || containsPattern(contains).test(n.phoneNumber.slice(1)))
      .filter((n) => !q.has('InRegion') || n.region?.toLowerCase() === q.get('InRegion')!.toLowerCase())
      .filter((n) => !q.has('InLocality') || n.locality?.toLowerCase() === q.get('InLocality')!.toLowerCase())
      .filter((n) => !q.has('InPostalCode') || n.postalCode === q.get('InPostalCode'))
      .filter((n) => (sms === undefined || n.capabilities.sms === sms) && (voice === undefined || n.capabilities.voice === voice))
      .filter((n) => mms === undefined || n.capabilities.mms === mms)
      .slice(0, pageSize)
    const uri = `${API}/Accounts/${this.accountSid}/AvailablePhoneNumbers/${country}/${kind}.json?${q.toString()}`
    return {
      available_phone_numbers: matches.map((n) => ({
        friendly_name: n.friendlyName,
        phone_number: n.phoneNumber,
        lata: '722',
        rate_center: 'SNFC CNTL',
        latitude: '37.780000',
        longitude: '-122.420000',
        locality: n.locality,
        region: n.region,
        postal_code: n.postalCode,
        iso_country: n.isoCountry,
        address_requirements: 'none',
        beta: false,
        // Twilio's own spelling on this resource: upper-case SMS and MMS.
        capabilities: { voice: n.capabilities.voice, SMS: n.capabilities.sms, MMS: n.capabilities.mms, fax: n.capabilities.fax },
      })),
      end: Math.max(matches.length - 1, 0),
      first_page_uri: uri,
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri,
    }
  }

  private buy(
    form: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    error: (status: number, code: number, message: string) => void,
    json: (status: number, payload: unknown) => void,
  ): void {
    const phoneNumber = form.PhoneNumber
    if (phoneNumber === undefined) return error(400, 21452, 'No phone numbers found')
    const offer = this.available.find((n) => n.phoneNumber === phoneNumber)
    if (offer === undefined || this.unavailable.has(phoneNumber) || this.ownedByNumber(phoneNumber)) {
      return error(400, 21422, 'PhoneNumber requested is not available')
    }
    const fields: Record<string, unknown> = {
      friendly_name: offer.friendlyName,
      capabilities: { ...offer.capabilities },
      type: offer.kind === 'TollFree' ? 'toll-free' : offer.kind.toLowerCase(),
    }
    for (const [param, value] of Object.entries(form)) {
      const field = SETTABLE[param]
      if (field !== undefined) fields[field] = field === 'voice_caller_id_lookup' ? value === 'true' : value
    }
    const number = this.own(phoneNumber, fields)
    if (this.hangUpAfterBuying.has(phoneNumber)) return void req.socket.destroy()
    json(201, number)
  }

  private list(url: URL) {
    const q = url.searchParams
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50), this.maxPageSize)
    const page = Number(q.get('Page') ?? 0)
    const pattern = q.get('PhoneNumber')
    const all = [...this.owned.values()].filter(
      (n) => pattern === null || new RegExp(pattern.replace(/[+]/g, '\\+').replace(/\*/g, '\\d')).test(n.phone_number),
    )
    const slice = all.slice(page * pageSize, (page + 1) * pageSize)
    const base = `${API}/Accounts/${this.accountSid}/IncomingPhoneNumbers.json`
    const filters = pattern === null ? '' : `&PhoneNumber=${encodeURIComponent(pattern)}`
    const more = (page + 1) * pageSize < all.length
    const last = slice.at(-1)
    return {
      first_page_uri: `${base}?PageSize=${pageSize}&Page=0${filters}`,
      end: page * pageSize + Math.max(slice.length - 1, 0),
      previous_page_uri: page === 0 ? null : `${base}?PageSize=${pageSize}&Page=${page - 1}${filters}`,
      incoming_phone_numbers: slice,
      uri: `${base}?PageSize=${pageSize}&Page=${page}${filters}`,
      page_size: pageSize,
      start: page * pageSize,
      next_page_uri: more && last ? `${base}?PageSize=${pageSize}&Page=${page + 1}&PageToken=PA${last.sid}${filters}` : null,
      page,
    }
  }
}

/** Starts a fake Twilio on a free local port; it is closed when the test ends. */
export async function startFakeTwilio(
  t: { teardown: (fn: () => Promise<void> | void) => void },
  options: { accountSid?: string; authToken?: string } = {},
): Promise<FakeTwilio> {
  const fake = new FakeTwilio(options)
  await fake.listen()
  t.teardown(() => fake.close())
  return fake
}
