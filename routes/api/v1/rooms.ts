import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../domain/errors.js'
import { roomsSince } from '../../../domain/realtime/catch-up.js'
import { refusals } from '../../../schemas/common.js'
import { RoomsGetQuerySchema, RoomsGetResponseSchema } from '../../../schemas/subscriptions.js'
import { describeRoute } from '../../describe.js'
import { authenticated } from './security.js'

const get = describeRoute('rooms.get', [
  [errors.updatedSinceParamInvalid, 'an `updatedSince` that is not a date from year 0001 to 9999'],
  errors.updatedSinceTooOld,
])

const rooms: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/rooms.get',
    {
      config: get.config,
      schema: {
        ...get.schema,
        ...authenticated,
        querystring: RoomsGetQuerySchema,
        response: { 200: RoomsGetResponseSchema, ...get.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await roomsSince(app.db, app.realtime.log, request.actor, request.query.updatedSince)),
      success: true as const,
    }),
  )
}

export default rooms
