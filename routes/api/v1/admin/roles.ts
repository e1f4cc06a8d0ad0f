import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { addUserToRole, listAllRoles, removeUserFromRole } from '../../../../domain/admin/roles.js'
import { errors, type Refusal } from '../../../../domain/errors.js'
import {
  RoleResponseSchema,
  RolesListResponseSchema,
  RoleUserBodySchema,
} from '../../../../schemas/admin.js'
import { refusals } from '../../../../schemas/common.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'
import { anyUserLookup } from '../user-lookup.js'

/** The refusals both role changes share, up to the role's own checks; `unknownRole` differs. */
function roleChange(unknownRole: Refusal<'roleNotFound' | 'invalidRoleId'>) {
  return [
    [errors.forbidden, 'no `assign-roles`'],
    [errors.invalidRoleProperties, 'neither `roleId` nor `roleName`'],
    ...anyUserLookup,
    [unknownRole, 'an unknown role'],
    [
      errors.roomRoleNotGlobal,
      'a room role: owner, moderator, leader, which change with groups.addOwner and the like',
    ],
  ] as const
}

const list = describeRoute('roles.list', [errors.notLoggedIn])

const add = describeRoute('roles.addUserToRole', [
  ...roleChange(errors.roleNotFound),
  [errors.userAlreadyInRole, 'a role the user holds already'],
])

const remove = describeRoute('roles.removeUserFromRole', [
  ...roleChange(errors.invalidRoleId),
  [errors.userNotInRole, 'a role the user does not hold'],
  [errors.noAdminLeft, '`admin` from the last active admin'],
])

const roles: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/roles.list',
    {
      config: list.config,
      schema: {
        ...list.schema,
        ...authenticated,
        response: { 200: RolesListResponseSchema, ...list.refusals },
      },
    },
    async () => ({ roles: await listAllRoles(app.db), success: true as const }),
  )

  app.post(
    '/roles.addUserToRole',
    {
      config: add.config,
      schema: {
        ...add.schema,
        ...authenticated,
        body: RoleUserBodySchema,
        response: { 200: RoleResponseSchema, ...add.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      role: await addUserToRole(app.db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/roles.removeUserFromRole',
    {
      config: remove.config,
      schema: {
        ...remove.schema,
        ...authenticated,
        body: RoleUserBodySchema,
        response: { 200: RoleResponseSchema, ...remove.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      role: await removeUserFromRole(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default roles
