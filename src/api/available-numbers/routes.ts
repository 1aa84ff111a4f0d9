import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AppConfig } from '../../config.js'
import type { NumberType } from '../../generated/prisma/client.js'
import { twilioNotConfigured, upstreamError } from '../../twilio/client.js'
import type { SearchType } from '../../twilio/numbers.js'
import { monthlyPriceOf } from '../../twilio/prices.js'
import { errorBodySchema } from '../common-schemas.js'
import { searchQuerySchema, searchResultSchema } from './schemas.js'

const NUMBER_TYPES: Record<SearchType, NumberType> = { local: 'LOCAL', tollFree: 'TOLL_FREE', mobile: 'MOBILE' }

/** Searching Twilio's numbers for sale, priced from Twilio's price list (cached an hour). */
const availableNumberRoutes: FastifyPluginAsyncZod<{ config: AppConfig }> = async (app) => {
  const twilio = app.twilio

  app.get(
    '/available-numbers',
    {
      config: { access: 'read:numbers' },
      schema: {
        summary: 'Numbers Twilio has for sale, with their monthly price',
        description: "Twilio's errors answer 502 with Twilio's code and message in `details`.",
        tags: ['numbers'],
        querystring: searchQuerySchema,
        response: { 200: searchResultSchema, 400: errorBodySchema, 403: errorBodySchema, 502: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request) => {
      if (twilio === null) throw twilioNotConfigured('searching numbers')
      const q = request.query
      const [found, prices] = await Promise.all([
        twilio.numbers
          .search(q.country, q.type, {
            areaCode: q.areaCode === undefined ? undefined : Number(q.areaCode),
            contains: q.contains,
            inRegion: q.region,
            inLocality: q.locality,
            inPostalCode: q.postalCode,
            smsEnabled: q.sms,
            voiceEnabled: q.voice,
            limit: q.limit,
          })
          .catch((err: unknown) => {
            throw upstreamError(`search numbers in ${q.country}`, err)
          }),
        twilio.prices.country(q.country).catch((err: unknown) => {
          throw upstreamError(`list the prices of numbers in ${q.country}`, err)
        }),
      ])
      const price = monthlyPriceOf(prices, NUMBER_TYPES[q.type])
      return {
        data: found.map((n) => ({ ...n, monthlyPrice: price?.amount.toString() ?? null, currency: prices.currency })),
      }
    },
  )
}

export default availableNumberRoutes
