import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { leaveGroup } from '../../../../domain/groups/leave.js'
import { inviteToGroup, kickFromGroup } from '../../../../domain/groups/membership.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import {
  GroupResponseSchema,
  InviteBodySchema,
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
        tags: ['Members and roles'],
        summary: 'Add users to a private group',
        description: [
          'Names the users by `userId` or `username` (`userId` wins) and/or the lists `userIds` and `usernames`; none named is `error-user-param-not-provided`, none of them an active user is `error-empty-invite-list`. Unknown names in a list are skipped; users already in the group stay as they are.',
          '',
          'A member needs `add-user-to-joined-room` in the group (owners, moderators, admins who are members) or the global `add-user-to-any-p-room` (else `error-not-allowed`). Only a caller holding `add-user-to-any-p-room` may invite into a group they are not in; for anyone else such a group answers `error-room-not-found`, like one that does not exist. An archived group is refused (`error-room-archived`). Writes one `au` system message per added user.',
        ].join('\n'),
        ...authenticated,
        body: InviteBodySchema,
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
        tags: ['Members and roles'],
        summary: 'Remove a user from a private group',
        description:
          'A member needs `remove-user` in the group (owners, moderators, admins who are members) or the global `kick-user-from-any-p-room` (else `error-not-allowed`). Only a caller holding `kick-user-from-any-p-room` may remove users from a group they are not in; for anyone else such a group answers `error-room-not-found`. The user must be a member (`error-user-not-in-room`); the last owner cannot be removed (`error-you-are-last-owner`); an archived group is refused (`error-room-archived`). Writes an `ru` system message.',
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
