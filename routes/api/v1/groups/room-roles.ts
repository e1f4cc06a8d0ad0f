import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  addRoomRole,
  listModerators,
  listRoomRoles,
  type RoomRole,
  removeRoomRole,
} from '../../../../domain/groups/room-roles.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
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

const archivedAndUnknown =
  'An archived group is refused (`error-room-archived`); a group the caller is not in answers `error-room-not-found`, also to a global admin.'

const lastOwnerRule =
  ' and not the last one (`error-remove-last-owner`): a group always keeps an owner.'

const roomRoles: FastifyPluginAsyncTypebox = async (app) => {
  for (const { role, name, permission, noun } of roleEndpoints) {
    app.post(
      `/groups.add${name}`,
      {
        schema: {
          tags: ['Members and roles'],
          summary: `Make a member ${noun}`,
          description: [
            `Needs \`${permission}\` in the group (owners, admins who are members; else \`error-not-allowed\`).`,
            `The user must be a member (\`error-user-not-in-room\`) and not already ${noun} (\`error-user-already-${role}\`).`,
            `Writes a \`subscription-role-added\` system message. ${archivedAndUnknown}`,
          ].join(' '),
          ...authenticated,
          body: RoomUserBodySchema,
          response: { 200: SuccessSchema, ...refusals(400, 401) },
        },
      },
      async (request) => {
        await addRoomRole(app.db, request.actor, request.body, role)
        return { success: true as const }
      },
    )

    app.post(
      `/groups.remove${name}`,
      {
        schema: {
          tags: ['Members and roles'],
          summary: `Take a member's ${role} role`,
          description: [
            `Needs \`${permission}\` in the group (else \`error-not-allowed\`).`,
            `The user must be ${noun} (\`error-user-not-${role}\`)${role === 'owner' ? lastOwnerRule : '.'}`,
            `Writes a \`subscription-role-removed\` system message. ${archivedAndUnknown}`,
          ].join(' '),
          ...authenticated,
          body: RoomUserBodySchema,
          response: { 200: SuccessSchema, ...refusals(400, 401) },
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
        description:
          'Members only: anyone else gets `error-room-not-found`. Lists each member with an owner, moderator or leader role, sorted by username; `_id` identifies the membership.',
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
        description: 'Members only: anyone else gets `error-room-not-found`. Sorted by username.',
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
