import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { onlineGroupMembers } from '../../../../domain/groups/online.js'
import { refusals } from '../../../../schemas/common.js'
import { OnlineQuerySchema, OnlineResponseSchema } from '../../../../schemas/group-online.js'
import { describeRoute, withExample } from '../../../describe.js'
import { authenticated } from '../security.js'

const online = describeRoute('groups.online', [
  [
    withExample(errors.invalidQuery, '{"name":"team-testing"}'),
    'a `query` that is not JSON, or holds more than `_id`',
  ],
  errors.groupQueryMissing,
  errors.groupNotAccessible,
])

const onlineRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.online',
    {
      config: online.config,
      schema: {
        ...online.schema,
        ...authenticated,
        querystring: OnlineQuerySchema,
        response: { 200: OnlineResponseSchema, ...online.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      online: await onlineGroupMembers(app.db, app.presence, request.actor, request.query),
      success: true as const,
    }),
  )
}

export default onlineRoute
