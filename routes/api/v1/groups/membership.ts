import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { leaveGroup } from '../../../../domain/groups/leave.js'
import { inviteToGroup, kickFromGroup } from '../../../../domain/groups/membership.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import {
  GroupResponseSchema,
  LeaveResponseSchema,
  RoomRefBodySchema,
  RoomUserBodySchema,
} from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const membership: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.leave',
    {
      schema: {
        tags: ['Groups'],
        summary: 'Leave a private group',
        description: [
          'Leave a group. The group owner must set another owner before leaving the group.',
          '',
          'Needs the global `leave-p` permission (`error-not-allowed`). The last owner is refused with `error-you-are-last-owner`, also when they are the only member. A group the caller is not in answers `error-room-not-found`, like one that does not exist. Leaving writes a `ul` system message, counted in `msgs`; the body shows the group after the caller left.',
        ].join('\n'),
        ...authenticated,
        body: RoomRefBodySchema,
        response: { 200: LeaveResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      group: await leaveGroup(app.db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/groups.invite',
    {
      schema: {
        tags: ['Groups'],
        summary: 'Add a user to a private group',
        description:
          'Needs `add-user-to-joined-room` in the group (owners, moderators, admins who are members) or the global `add-user-to-any-p-room`. Writes an `au` system message; inviting a member again changes nothing.',
        ...authenticated,
        body: RoomUserBodySchema,
        response: { 200: GroupResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      group: await inviteToGroup(app.db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/groups.kick',
    {
      schema: {
        tags: ['Groups'],
        summary: 'Remove a user from a private group',
        description:
          'Needs `remove-user` in the group (owners, moderators, admins who are members). The last owner cannot be removed (`error-you-are-last-owner`). Writes an `ru` system message.',
        ...authenticated,
        body: RoomUserBodySchema,
        response: { 200: SuccessSchema, ...refusals(400, 401) },
      },
    },
    async (request) => {
      await kickFromGroup(app.db, request.actor, request.body)
      return { success: true as const }
    },
  )
}

export default membership
