import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { leaveGroup } from '../../../../domain/groups/leave.js'
import { inviteToGroup, kickFromGroup } from '../../../../domain/groups/membership.js'
import {
  badRequest,
  refusal,
  refusals,
  SuccessSchema,
  withExamples,
} from '../../../../schemas/common.js'
import { exampleGroup } from '../../../../schemas/examples.js'
import {
  GroupResponseSchema,
  InviteBodySchema,
  LeaveResponseSchema,
  RoomRefBodySchema,
  RoomUserBodySchema,
} from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const lookupRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`)'

/** Who may manage the members of a group, for invite (`inRoom`/`anyGroup`) and kick. */
function whoMayManage(inRoom: string, anyGroup: string) {
  return `Permission required: \`${inRoom}\` in the group (its owners and moderators, and admins who are members), or the global \`${anyGroup}\` (no role holds it by default). Only a holder of \`${anyGroup}\` may act on a group they are not in; to anyone else such a group answers \`error-room-not-found\`, like one that does not exist.`
}

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
          'Permission required: the global `leave-p` (by default admin, user, bot, app and anonymous).',
          '',
          `Refusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); no \`leave-p\` (\`error-not-allowed\`); the caller is the group's last owner, also when they are its only member (\`error-you-are-last-owner\`).`,
          '',
          "Leaving takes the caller's room roles with their membership, lowers `usersCount` and writes a `ul` system message, counted in `msgs`. The body shows the group after the caller left. The 200 examples show this service's answer first, then Rocket.Chat's own (pick it under Examples), which predates `fname` and `usersCount`.",
        ].join('\n'),
        ...authenticated,
        body: RoomRefBodySchema,
        response: {
          200: LeaveResponseSchema,
          400: badRequest(refusal(errors.lastOwner()), refusal(errors.roomNotFound())),
          ...refusals(401),
        },
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
          whoMayManage('add-user-to-joined-room', 'add-user-to-any-p-room'),
          '',
          'Names the users by `userId` or `username` (`userId` wins) and/or the lists `userIds` and `usernames`; usernames are compared without case. Unknown and deactivated users are skipped; users already in the group stay as they are.',
          '',
          `Refusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); no permission (\`error-not-allowed\`); no user named (\`error-user-param-not-provided\`); none of the named users is an active user (\`error-empty-invite-list\`).`,
          '',
          'Writes one `au` system message per user added, counted in `msgs`. The body shows the group with its new members.',
        ].join('\n'),
        ...authenticated,
        body: InviteBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, {
            group: {
              ...exampleGroup,
              usernames: [...exampleGroup.usernames, 'testing2'],
              msgs: 3,
              usersCount: 3,
              _updatedAt: '2016-12-09T15:31:05.218Z',
            },
            success: true,
          }),
          400: badRequest(
            refusal({
              errorType: 'error-empty-invite-list',
              message: 'Cannot invite if no valid users are provided',
            }),
            refusal(errors.notAllowed()),
          ),
          ...refusals(401),
        },
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
        description: [
          whoMayManage('remove-user', 'kick-user-from-any-p-room'),
          '',
          `Refusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); no permission (\`error-not-allowed\`); no \`userId\`/\`username\` (\`error-user-param-not-provided\`); no such active user (\`error-invalid-user\`); a user who is not a member (\`error-user-not-in-room\`), except for a holder of \`kick-user-from-any-p-room\`; the group's last owner (\`error-you-are-last-owner\`).`,
          '',
          "The user's room roles go with their membership; `usersCount` drops and an `ru` system message is written, counted in `msgs`.",
          '',
          'As in Rocket.Chat, a holder of `kick-user-from-any-p-room` skips the check that the user is a member: kicking an existing user who is not in the group answers 200 `{success:true}` and changes nothing (no system message, no counts, no `_updatedAt`).',
        ].join('\n'),
        ...authenticated,
        body: RoomUserBodySchema,
        response: {
          200: SuccessSchema,
          400: badRequest(refusal(errors.userNotInRoom()), refusal(errors.lastOwner())),
          ...refusals(401),
        },
      },
    },
    async (request) => {
      await kickFromGroup(app.db, request.actor, request.body)
      return { success: true as const }
    },
  )
}

export default membership
