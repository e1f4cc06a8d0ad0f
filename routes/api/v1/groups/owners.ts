import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { addRoomRole, removeRoomRole } from '../../../../domain/groups/room-roles.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import { RoomUserBodySchema } from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const owners: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.addOwner',
    {
      schema: {
        tags: ['Groups'],
        summary: 'Make a member an owner',
        description:
          'Needs `set-owner` in the group (owners, admins who are members). The user must be a member (`error-user-not-in-room`) and not already an owner (`error-user-already-owner`). Writes a `subscription-role-added` system message.',
        ...authenticated,
        body: RoomUserBodySchema,
        response: { 200: SuccessSchema, ...refusals(400, 401) },
      },
    },
    async (request) => {
      await addRoomRole(app.db, request.actor, request.body, 'owner')
      return { success: true as const }
    },
  )

  app.post(
    '/groups.removeOwner',
    {
      schema: {
        tags: ['Groups'],
        summary: "Take a member's owner role",
        description:
          'Needs `set-owner` in the group. The user must be an owner (`error-user-not-owner`) and not the last one (`error-remove-last-owner`). Writes a `subscription-role-removed` system message.',
        ...authenticated,
        body: RoomUserBodySchema,
        response: { 200: SuccessSchema, ...refusals(400, 401) },
      },
    },
    async (request) => {
      await removeRoomRole(app.db, request.actor, request.body, 'owner')
      return { success: true as const }
    },
  )
}

export default owners
