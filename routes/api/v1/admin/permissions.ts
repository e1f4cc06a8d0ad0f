import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAllPermissions, updatePermissions } from '../../../../domain/admin/permissions.js'
import { errors } from '../../../../domain/errors.js'
import {
  PermissionsListAllQuerySchema,
  PermissionsListAllResponseSchema,
  PermissionsUpdateBodySchema,
  PermissionsUpdateResponseSchema,
} from '../../../../schemas/admin.js'
import { refusals } from '../../../../schemas/common.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'

const listAll = describeRoute('permissions.listAll', [
  [errors.invalidUpdatedSince, 'an `updatedSince` that is not a date'],
])

const update = describeRoute('permissions.update', [
  [errors.forbidden, 'no `access-permissions`'],
  [errors.invalidPermission, 'an unknown or repeated permission'],
  [errors.invalidRole, 'an unknown role'],
])

const permissions: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/permissions.listAll',
    {
      config: listAll.config,
      schema: {
        ...listAll.schema,
        ...authenticated,
        querystring: PermissionsListAllQuerySchema,
        response: { 200: PermissionsListAllResponseSchema, ...listAll.refusals, ...refusals(401) },
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
      config: update.config,
      schema: {
        ...update.schema,
        ...authenticated,
        body: PermissionsUpdateBodySchema,
        response: { 200: PermissionsUpdateResponseSchema, ...update.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      permissions: await updatePermissions(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default permissions
