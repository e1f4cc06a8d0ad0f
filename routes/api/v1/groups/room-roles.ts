import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import {
  addRoomRole,
  listModerators,
  listRoomRoles,
  type RoomRole,
  removeRoomRole,
} from '../../../../domain/groups/room-roles.js'
import { badRequest, refusal, refusals, SuccessSchema } from '../../../../schemas/common.js'
import { RoomRefQuerySchema, RoomUserBodySchema } from '../../../../schemas/groups.js'
import {
  ModeratorsResponseSchema,
  RoomRolesResponseSchema,
} from '../../../../schemas/room-roles.js'
import { authenticated } from '../security.js'

interface RoleEndpoints {
  role: RoomRole
  /** The endpoints' suffix: `groups.addModerator`, `groups.removeModerator`. */
  name: string
  permission: string
  /** The role with its article, as the summaries and Rocket.Chat's messages word it. */
  noun: string
}

const roleEndpoints: RoleEndpoints[] = [
  { role: 'owner', name: 'Owner', permission: 'set-owner', noun: 'an owner' },
  { role: 'moderator', name: 'Moderator', permission: 'set-moderator', noun: 'a moderator' },
  { role: 'leader', name: 'Leader', permission: 'set-leader', noun: 'a leader' },
]

const lookupRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`, also for admins); an archived group (`error-room-archived`)'

const targetRefusals =
  'no `userId`/`username` (`error-user-param-not-provided`); no such active user (`error-invalid-user`); a user who is not a member (`error-user-not-in-room`)'

const readRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`)'

/** Who holds the role-changing permissions by default. */
const permissionHolders = '(its owners, and admins who are members)'

const roomRoles: FastifyPluginAsyncTypebox = async (app) => {
  for (const { role, name, permission, noun } of roleEndpoints) {
    app.post(
      `/groups.add${name}`,
      {
        schema: {
          tags: ['Members and roles'],
          summary: `Make a member ${noun}`,
          description: [
            `Permission required: \`${permission}\` in the group ${permissionHolders}.`,
            '',
            `Refusals, in the order they are checked: ${lookupRefusals}; no \`${permission}\` (\`error-not-allowed\`); ${targetRefusals}; a user who is ${noun} already (\`error-user-already-${role}\`).`,
            '',
            'Writes a `subscription-role-added` system message (its `role` names the role), counted in `msgs`.',
          ].join('\n'),
          ...authenticated,
          body: RoomUserBodySchema,
          response: {
            200: SuccessSchema,
            400: badRequest(
              refusal({
                errorType: `error-user-already-${role}`,
                message: `User is already ${noun}`,
              }),
              refusal(errors.userNotInRoom()),
            ),
            ...refusals(401),
          },
        },
      },
      async (request) => {
        await addRoomRole(app.db, request.actor, request.body, role)
        return { success: true as const }
      },
    )

    const lastOwner = refusal({
      errorType: 'error-remove-last-owner',
      message: 'This is the last owner. Please set a new owner before removing this one.',
    })
    app.post(
      `/groups.remove${name}`,
      {
        schema: {
          tags: ['Members and roles'],
          summary: `Take a member's ${role} role`,
          description: [
            `Permission required: \`${permission}\` in the group ${permissionHolders}.`,
            '',
            `Refusals, in the order they are checked: ${lookupRefusals}; no \`${permission}\` (\`error-not-allowed\`); ${targetRefusals}; a user who is not ${noun} (\`error-user-not-${role}\`)${role === 'owner' ? "; the group's last owner (`error-remove-last-owner`): a group always keeps an owner" : ''}.`,
            '',
            'Writes a `subscription-role-removed` system message (its `role` names the role), counted in `msgs`.',
          ].join('\n'),
          ...authenticated,
          body: RoomUserBodySchema,
          response: {
            200: SuccessSchema,
            400: badRequest(
              role === 'owner'
                ? lastOwner
                : refusal({ errorType: `error-user-not-${role}`, message: `User is not ${noun}` }),
            ),
            ...refusals(401),
          },
        },
      },
      async (request) => {
        await removeRoomRole(app.db, request.actor, request.body, role)
        return { success: true as const }
      },
    )
  }

  app.get(
    '/groups.roles',
    {
      schema: {
        tags: ['Members and roles'],
        summary: 'The members holding room roles',
        description: [
          'Members only: a group the caller is not in answers like one that does not exist, whatever their global roles. Archived groups can be read.',
          '',
          'Lists each member holding an owner, moderator or leader role, with those roles, sorted by username; `_id` identifies the membership (`<roomId>-<userId>`).',
          '',
          `Refusals, in the order they are checked: ${readRefusals}.`,
        ].join('\n'),
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: RoomRolesResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      roles: await listRoomRoles(app.db, request.actor, request.query),
      success: true as const,
    }),
  )

  app.get(
    '/groups.moderators',
    {
      schema: {
        tags: ['Members and roles'],
        summary: "A private group's moderators",
        description: [
          'Members only: a group the caller is not in answers like one that does not exist, whatever their global roles. Archived groups can be read.',
          '',
          'The members holding the moderator role, sorted by username.',
          '',
          `Refusals, in the order they are checked: ${readRefusals}.`,
        ].join('\n'),
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: ModeratorsResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      moderators: await listModerators(app.db, request.actor, request.query),
      success: true as const,
    }),
  )
}

export default roomRoles
