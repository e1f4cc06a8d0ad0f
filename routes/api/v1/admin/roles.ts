import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { addUserToRole, listAllRoles, removeUserFromRole } from '../../../../domain/admin/roles.js'
import { errors } from '../../../../domain/errors.js'
import {
  RoleResponseSchema,
  RolesListResponseSchema,
  RoleUserBodySchema,
} from '../../../../schemas/admin.js'
import { badRequest, refusal, refusals } from '../../../../schemas/common.js'
import { authenticated } from '../security.js'

/** The refusals both role changes share, up to the role's own checks. */
function roleChangeRefusals(unknownRole: string) {
  return `no \`assign-roles\` (403 \`error-unauthorized\`); neither \`roleId\` nor \`roleName\` (\`error-invalid-role-properties\`); no \`userId\`/\`username\` (\`error-user-param-not-provided\`); no such user (\`error-invalid-user\`); an unknown role (\`${unknownRole}\`); a room role: owner, moderator, leader (\`error-invalid-role\`: those change with groups.addOwner and the like)`
}

const permissionRequired =
  'Permission required: the global `assign-roles` (admins). The role is named by `roleId` (or `roleName`), the user by `userId` or `username` (`userId` wins), deactivated users included.'

const roles: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/roles.list',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Every role',
        description:
          'Any logged-in user. Every role, by id; scope `Users` marks global roles, `Subscriptions` the roles held in a room. Refused only when not logged in (401).',
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
        description: [
          permissionRequired,
          '',
          `Refusals, in the order they are checked: ${roleChangeRefusals('error-role-not-found')}; a role the user holds already (\`error-user-already-in-role\`).`,
          '',
          'Returns the role.',
        ].join('\n'),
        ...authenticated,
        body: RoleUserBodySchema,
        response: {
          200: RoleResponseSchema,
          400: badRequest(
            refusal({ errorType: 'error-user-already-in-role', message: 'User already in role' }),
            refusal(errors.invalidUser()),
          ),
          ...refusals(401, 403),
        },
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
        description: [
          permissionRequired,
          '',
          `Refusals, in the order they are checked: ${roleChangeRefusals('error-invalid-roleId')}; a role the user does not hold (\`error-user-not-in-role\`); \`admin\` from the last active admin (\`error-action-not-allowed\`).`,
          '',
          'Returns the role.',
        ].join('\n'),
        ...authenticated,
        body: RoleUserBodySchema,
        response: {
          200: RoleResponseSchema,
          400: badRequest(
            refusal({ errorType: 'error-user-not-in-role', message: 'User is not in this role' }),
            refusal(errors.actionNotAllowed('Leaving the app without admins is not allowed')),
          ),
          ...refusals(401, 403),
        },
      },
    },
    async (request) => ({
      role: await removeUserFromRole(app.db, request.actor, request.body),
      success: true as const,
    }),
  )
}

export default roles
