import { actsOnAllTenants } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { isUniqueViolation } from '../../db/errors.js'
import { AppError, conflict, forbidden, validationFailed } from '../../errors.js'
import type { Number as NumberRow, PrismaClient } from '../../generated/prisma/client.js'
import { classifyValidNumber } from '../../purchases/classify.js'
import { countryPriceList, type ListPrice, listPriceOf, unpricedText } from '../../purchases/quote.js'
import { upstreamError } from '../../twilio/client.js'
import type { TwilioServices } from '../../twilio/services.js'
import type { CreateNumberInput } from './schemas.js'

/**
 * POST /numbers: registering a number the Twilio account already owns (bought in the Console,
 * say). Registration is what makes did-edge route a number and bill its owner, so nothing in the
 * body is taken on trust where it can be checked:
 *
 *  - the number must be a valid number of `countryCode` (libphonenumber's full metadata);
 *  - it must not be registered already, by anyone (409, without saying by whom);
 *  - with Twilio configured, the account must own `twilioSid`, and that number must be
 *    `phoneNumber` on `twilioAccountSid`; without Twilio (development) the answer says that
 *    ownership was not verified, and in production only administrators may register then;
 *  - only administrators set `monthlyPrice` and `setupPrice`; everyone else gets what a purchase
 *    would charge: Twilio's list price for the number's type, did-edge's setup fee.
 */
export interface RegistrationDeps {
  twilio: TwilioServices | null
  /** Without Twilio, production refuses non-administrators (ownership cannot be checked). */
  production: boolean
}

export interface Registration {
  row: NumberRow
  ownershipVerified: boolean
  /** What was not checked or not priced, for the person registering. */
  warnings: string[]
}

const refused = (path: string, message: string) => validationFailed(`${path}: ${message}`, [{ path, message }])

const PRICE_FIELDS = ['monthlyPrice', 'setupPrice'] as const

export async function registerNumber(
  prisma: PrismaClient,
  deps: RegistrationDeps,
  principal: Principal,
  input: CreateNumberInput,
): Promise<Registration> {
  const { userId = principal.user.id, monthlyPrice, setupPrice, ...fields } = input
  const administrator = actsOnAllTenants(principal)
  for (const field of PRICE_FIELDS) {
    if (input[field] !== undefined && !administrator) {
      const message = "only administrators set prices; leave it out and the price list's price applies"
      throw new AppError('FORBIDDEN', `${field}: ${message}`, [{ path: field, message }])
    }
  }
  if (userId !== principal.user.id) {
    if (!administrator) throw forbidden('only administrators may register a number for another user')
    const owner = await prisma.user.findUnique({ where: { id: userId }, select: { id: true } })
    if (owner === null) throw refused('userId', `user ${userId} does not exist`)
  }

  const cls = classifyValidNumber(input.phoneNumber)
  if (cls === null || cls.countryCode !== input.countryCode) {
    throw refused('phoneNumber', `${input.phoneNumber} is not a valid number of ${input.countryCode}${cls === null ? '' : ` (it is a number of ${cls.countryCode})`}`)
  }
  // An administrator may record any type (and price); anyone else is priced by what the number is.
  if (!administrator && cls.numberType !== input.numberType) {
    throw refused('numberType', `${input.phoneNumber} is a ${cls.numberType} number, not ${input.numberType}`)
  }

  // Checked before Twilio is asked, and again by the unique indexes when the row is written.
  const taken = await prisma.number.findFirst({
    where: { OR: [{ phoneNumber: input.phoneNumber }, { twilioSid: input.twilioSid }] },
    select: { phoneNumber: true },
  })
  if (taken !== null) throw alreadyRegistered(taken.phoneNumber === input.phoneNumber ? 'phoneNumber' : 'twilioSid')

  const warnings: string[] = []
  const ownershipVerified = deps.twilio !== null
  if (deps.twilio !== null) await verifyOwnership(deps.twilio, input)
  else if (deps.production && !administrator) {
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'registering a number needs Twilio to prove the account owns it: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (administrators may register without)',
    )
  } else {
    warnings.push(`ownership not verified: Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN), so nothing checked that the account owns ${input.twilioSid}`)
  }

  let price: Partial<ListPrice> = {}
  if (monthlyPrice === undefined) {
    if (deps.twilio !== null) {
      const listed = listPriceOf(await countryPriceList(deps.twilio.prices, input.countryCode), input.numberType)
      if (listed === null) throw refused('numberType', `${unpricedText(input.numberType, input.countryCode)}; an administrator may set monthlyPrice`)
      price = listed
    } else {
      warnings.push("monthlyPrice 0: without Twilio there is no price list; an administrator may set the price")
    }
  }
  const data = {
    ...fields,
    userId,
    currency: price.currency ?? 'USD',
    monthlyPrice: monthlyPrice ?? price.monthlyPrice ?? '0',
    setupPrice: setupPrice ?? price.setupPrice ?? null,
  }
  try {
    return { row: await prisma.number.create({ data }), ownershipVerified, warnings }
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('a number with this phoneNumber or twilioSid is already registered')
    throw err
  }
}

/** 409 naming the field; who registered it stays unsaid (it may be another tenant). */
function alreadyRegistered(field: 'phoneNumber' | 'twilioSid'): AppError {
  const message = 'is already registered in did-edge'
  return conflict(`${field}: ${message}`, [{ path: field, message }])
}

/** The configured account must own `twilioSid`, and it must be `phoneNumber` on `twilioAccountSid`. */
async function verifyOwnership(twilio: TwilioServices, input: CreateNumberInput): Promise<void> {
  let owned
  try {
    owned = await twilio.numbers.fetchOwned(input.twilioSid)
  } catch (err) {
    throw upstreamError(`look up ${input.twilioSid}`, err)
  }
  if (owned === null) throw refused('twilioSid', `the configured Twilio account has no number ${input.twilioSid}`)
  if (owned.accountSid !== input.twilioAccountSid) {
    throw refused('twilioAccountSid', `must be the account that owns ${input.twilioSid}`)
  }
  if (owned.phoneNumber !== input.phoneNumber) {
    throw refused('phoneNumber', `${input.twilioSid} is not ${input.phoneNumber}`)
  }
}
