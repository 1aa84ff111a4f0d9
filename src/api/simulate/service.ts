import {
  type CallInput,
  type CompiledNumber,
  compileNumber,
  evaluate,
  isE164,
  type LintWarning,
  lintConfiguration,
  RoutingConfigurationError,
} from '../../../routing/index.js'
import { loadCompiledNumber } from '../../config-cache/load-number.js'
import { notFound, validationFailed } from '../../errors.js'
import type { PrismaClient } from '../../generated/prisma/client.js'
import type { Principal } from '../../auth/principal.js'
import { validated } from '../configurations/service.js'
import { getNumber } from '../numbers/service.js'
import type { SimulatedCall, Simulation } from './schemas.js'

/** Where an inline simulation "is": the called number when it is one, else a neutral stand-in. */
const NO_NUMBER = '+10000000000'

function toCallInput(call: SimulatedCall, now: number): CallInput {
  return {
    from: call.from,
    to: call.to,
    at: call.at === undefined ? now : Date.parse(call.at),
    fromCountry: call.fromCountry,
    fromState: call.fromState,
    fromCity: call.fromCity,
    channel: call.channel,
    body: call.body,
  }
}

/** Evaluates with the full explanation and reshapes it into the simulate answer. */
function explain(compiled: CompiledNumber, call: CallInput, warnings: LintWarning[]): Simulation {
  const decision = evaluate(compiled, call, { explain: true })
  const trace = decision.trace
  if (trace === undefined) throw new Error('evaluate({ explain: true }) returned no trace')
  const compileWarnings = compiled.warnings.map((message) => ({ path: '', code: 'compile', message }))
  return {
    configuration: decision.configuration ?? { reason: 'none' },
    rule: decision.rule,
    reason: decision.reason,
    action: decision.action,
    twiml: decision.twiml,
    localTime: trace.clock?.local ?? null,
    timezone: trace.clock?.zone ?? null,
    caller: {
      e164: trace.caller.normalized,
      anonymous: trace.caller.anonymous,
      // The engine compares places lower-cased; ISO country codes read upper-case.
      country: trace.caller.country?.toUpperCase() ?? null,
      state: trace.caller.state,
      city: trace.caller.city,
      placeSource: trace.caller.placeSource,
    },
    trace,
    warnings: [...warnings, ...compileWarnings],
  }
}

/**
 * Simulates a call against an inline configuration. It is treated as the number's only
 * configuration and as active unless it says otherwise, so a draft can be tried as written.
 */
export function simulateInline(configuration: Record<string, unknown>, call: SimulatedCall, now: number): Simulation {
  const input = { isActive: true, ...configuration }
  const { warnings } = validated(input)
  const to = call.to !== undefined && isE164(call.to) ? call.to : NO_NUMBER
  const compiled = compileNumber({ phoneNumber: to }, [input])
  return explain(compiled, toCallInput(call, now), warnings)
}

/** Simulates a call to a stored number, choosing its configuration as a real call would. */
export async function simulateStored(
  prisma: PrismaClient,
  principal: Principal,
  numberId: string,
  call: SimulatedCall,
  now: number,
): Promise<Simulation> {
  const number = await getNumber(prisma, principal, numberId)
  let compiled: CompiledNumber | null
  try {
    compiled = await loadCompiledNumber(prisma, { id: number.id })
  } catch (err) {
    if (err instanceof RoutingConfigurationError) {
      const errors = err.configurations.flatMap((c) => c.errors.map((e) => ({ ...e, configurationId: c.configurationId })))
      throw validationFailed(`a stored configuration of this number is invalid: ${err.message}`, errors)
    }
    throw err
  }
  if (compiled === null) throw notFound('number')
  const warnings = [...compiled.byId.values()].flatMap((c) =>
    lintConfiguration(c.config).map((w) => ({ ...w, path: `configurations.${c.id}.${w.path}` })),
  )
  return explain(compiled, toCallInput({ ...call, to: call.to ?? number.phoneNumber }, now), warnings)
}
