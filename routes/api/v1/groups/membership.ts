import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { leaveGroup } from '../../../../domain/groups/leave.js'
import { inviteToGroup, kickFromGroup } from '../../../../domain/groups/membership.js'
import { refusals, SuccessSchema, withExamples } from '../../../../schemas/common.js'
import { exampleGroup } from '../../../../schemas/examples.js'
import {
  GroupResponseSchema,
  InviteBodySchema,
  LeaveResponseSchema,
  RoomRefBodySchema,
  RoomUserBodySchema,
} from '../../../../schemas/groups.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'
import { sendGroup } from './group-reply.js'
import { changeableGroup } from './lookup.js'

const leave = describeRoute('groups.leave', [
  ...changeableGroup,
  [errors.notAllowed, 'no `leave-p`'],
  [errors.lastOwner, "the caller is the group's last owner, also when they are its only member"],
])

const invite = describeRoute('groups.invite', [
  ...changeableGroup,
  errors.notAllowed,
  errors.userParamNotProvided,
  errors.emptyInviteList,
])

const kick = describeRoute('groups.kick', [
  ...changeableGroup,
  errors.notAllowed,
  errors.userParamNotProvided,
  errors.invalidUser,
  [
    errors.userNotInRoom,
    'a user who is not a member, except for a holder of `kick-user-from-any-p-room`',
  ],
  errors.lastOwner,
])

const membership: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.leave',
    {
      config: leave.config,
      schema: {
        ...leave.schema,
        ...authenticated,
        body: RoomRefBodySchema,
        response: {
          200: LeaveResponseSchema,
          ...leave.refusals,
          ...refusals(401),
        },
      },
    },
    async (request, reply) =>
      sendGroup(reply, await leaveGroup(app.db, request.actor, request.body)),
  )

  app.post(
    '/groups.invite',
    {
      config: invite.config,
      schema: {
        ...invite.schema,
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
          ...invite.refusals,
          ...refusals(401),
        },
      },
    },
    async (request, reply) =>
      sendGroup(reply, await inviteToGroup(app.db, request.actor, request.body)),
  )

  app.post(
    '/groups.kick',
    {
      config: kick.config,
      schema: {
        ...kick.schema,
        ...authenticated,
        body: RoomUserBodySchema,
        response: {
          200: SuccessSchema,
          ...kick.refusals,
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
