import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAllPermissions, updatePermissions } from '../../../../domain/admin/permissions.js'
import {
  PermissionsListAllQuerySchema,
  PermissionsListAllResponseSchema,
  PermissionsUpdateBodySchema,
  PermissionsUpdateResponseSchema,
} from '../../../../schemas/admin.js'
import { badRequest, refusal, refusals } from '../../../../schemas/common.js'
import { authenticated } from '../security.js'

const permissions: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/permissions.listAll',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Every permission and the roles granted it',
        description: [
          'Any logged-in user. Every permission with the roles granted it, by id; with `updatedSince`, only the permissions changed after that moment. `remove` is always empty.',
          '',
          'Refusals: an `updatedSince` that is not a date (`error-roomId-param-invalid`, as Rocket.Chat names it).',
        ].join('\n'),
        ...authenticated,
        querystring: PermissionsListAllQuerySchema,
        response: {
          200: PermissionsListAllResponseSchema,
          400: badRequest(
            refusal({
              errorType: 'error-roomId-param-invalid',
              message: 'The "updatedSince" query parameter must be a valid date.',
            }),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => ({
      ...(await listAllPermissions(app.db, request.query.updatedSince)),
      success: true as const,
    }),
  )

  app.post(
    '/permissions.update',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Set the roles granted permissions',
        description: [
          'Permission required: the global `access-permissions` (admins).',
          '',
          'Each listed permission gets exactly the roles given, all in one change; room roles (owner, moderator, leader) may be listed. The change holds from the next request on, in every process sharing the database. Returns every permission as it now is.',
          '',
          'Refusals, in the order they are checked: no `access-permissions` (403 `error-unauthorized`); an unknown or repeated permission (`error-invalid-permission`); an unknown role (`error-invalid-role`). A refusal changes nothing.',
        ].join('\n'),
        ...authenticated,
        body: PermissionsUpdateBodySchema,
        response: {
          200: PermissionsUpdateResponseSchema,
          400: badRequest(
            refusal({ errorType: 'error-invalid-permission', message: 'Invalid permission' }),
            refusal({ errorType: 'error-invalid-role', message: 'Invalid role' }),
          ),
          ...refusals(401, 403),
        },
      },
    },
    async (request) => ({
      permissions: await updatePermissions(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default permissions
