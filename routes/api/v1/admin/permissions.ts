import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAllPermissions, updatePermissions } from '../../../../domain/admin/permissions.js'
import {
  PermissionsListAllQuerySchema,
  PermissionsListAllResponseSchema,
  PermissionsUpdateBodySchema,
  PermissionsUpdateResponseSchema,
} from '../../../../schemas/admin.js'
import { refusals } from '../../../../schemas/common.js'
import { authenticated } from '../security.js'

const permissions: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/permissions.listAll',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Every permission and the roles granted it',
        description:
          'Any logged-in user. With `updatedSince`, only the permissions changed after that moment; a value that is not a date is refused with `error-roomId-param-invalid` (as Rocket.Chat does). `remove` is always empty.',
        ...authenticated,
        querystring: PermissionsListAllQuerySchema,
        response: { 200: PermissionsListAllResponseSchema, ...refusals(400, 401) },
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
        description:
          'Needs `access-permissions` (admins; else 403 `error-unauthorized`). Each listed permission gets exactly the roles given, all in one change: an unknown (or repeated) permission is refused with `error-invalid-permission`, an unknown role with `error-invalid-role`, and nothing changes. Room roles (owner, moderator, leader) may be listed. The change holds from the next request on. Returns every permission as it now is.',
        ...authenticated,
        body: PermissionsUpdateBodySchema,
        response: { 200: PermissionsUpdateResponseSchema, ...refusals(400, 401, 403) },
      },
    },
    async (request) => ({
      permissions: await updatePermissions(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default permissions
