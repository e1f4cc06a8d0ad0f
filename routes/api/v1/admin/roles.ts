import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { addUserToRole, listAllRoles, removeUserFromRole } from '../../../../domain/admin/roles.js'
import {
  RoleResponseSchema,
  RolesListResponseSchema,
  RoleUserBodySchema,
} from '../../../../schemas/admin.js'
import { refusals } from '../../../../schemas/common.js'
import { authenticated } from '../security.js'

const USER_AND_ROLE =
  'Name the role by `roleId` (or `roleName`; missing: `error-invalid-role-properties`) and the user by `userId` or `username` (missing: `error-user-param-not-provided`, unknown: `error-invalid-user`). Global roles only: a room role (owner, moderator, leader) is refused with `error-invalid-role`.'

const roles: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/roles.list',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Every role',
        description:
          'Any logged-in user. Scope `Users` marks global roles, `Subscriptions` the roles held in a room.',
        ...authenticated,
        response: { 200: RolesListResponseSchema, ...refusals(401) },
      },
    },
    async () => ({ roles: await listAllRoles(app.db), success: true as const }),
  )

  app.post(
    '/roles.addUserToRole',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Give a user a global role',
        description: `Needs \`assign-roles\` (admins; else 403 \`error-unauthorized\`). ${USER_AND_ROLE} An unknown role is \`error-role-not-found\`; a role the user holds already is \`error-user-already-in-role\`.`,
        ...authenticated,
        body: RoleUserBodySchema,
        response: { 200: RoleResponseSchema, ...refusals(400, 401, 403) },
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
      schema: {
        tags: ['Administration'],
        summary: 'Take a global role from a user',
        description: `Needs \`assign-roles\` (admins; else 403 \`error-unauthorized\`). ${USER_AND_ROLE} An unknown role is \`error-invalid-roleId\`; a role the user does not hold is \`error-user-not-in-role\`; taking admin from the last active admin is \`error-action-not-allowed\`.`,
        ...authenticated,
        body: RoleUserBodySchema,
        response: { 200: RoleResponseSchema, ...refusals(400, 401, 403) },
      },
    },
    async (request) => ({
      role: await removeUserFromRole(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default roles
