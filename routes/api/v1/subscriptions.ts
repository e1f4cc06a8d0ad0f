import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../domain/errors.js'
import { subscriptionOf, subscriptionsSince } from '../../../domain/realtime/catch-up.js'
import { refusals } from '../../../schemas/common.js'
import {
  SubscriptionsGetOneQuerySchema,
  SubscriptionsGetOneResponseSchema,
  SubscriptionsGetQuerySchema,
  SubscriptionsGetResponseSchema,
} from '../../../schemas/subscriptions.js'
import { describeRoute, withExample } from '../../describe.js'
import { authenticated } from './security.js'

const get = describeRoute('subscriptions.get', [
  [errors.invalidLastUpdate, 'an `updatedSince` that is not a date from year 0001 to 9999'],
  errors.updatedSinceTooOld,
])

const getOne = describeRoute('subscriptions.getOne', [
  [withExample(errors.invalidParams, "must have required property 'roomId'"), 'no `roomId`'],
  errors.roomIdParamRequired,
])

const subscriptions: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/subscriptions.get',
    {
      config: get.config,
      schema: {
        ...get.schema,
        ...authenticated,
        querystring: SubscriptionsGetQuerySchema,
        response: { 200: SubscriptionsGetResponseSchema, ...get.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await subscriptionsSince(
        app.db,
        app.realtime.log,
        request.actor,
        request.query.updatedSince,
      )),
      success: true as const,
    }),
  )

  app.get(
    '/subscriptions.getOne',
    {
      config: getOne.config,
      schema: {
        ...getOne.schema,
        ...authenticated,
        querystring: SubscriptionsGetOneQuerySchema,
        response: { 200: SubscriptionsGetOneResponseSchema, ...getOne.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      subscription: await subscriptionOf(app.db, request.actor, request.query.roomId),
      success: true as const,
    }),
  )
}

export default subscriptions
