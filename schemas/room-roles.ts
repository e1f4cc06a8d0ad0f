import { Type } from '@sinclair/typebox'
import { IdSchema, Success } from './common.js'

const RoomUserSchema = Type.Object({ _id: IdSchema, username: Type.String() })

export const RoomRoleHolderSchema = Type.Object({
  _id: Type.String({ description: 'The membership: `<roomId>-<userId>`' }),
  rid: IdSchema,
  u: RoomUserSchema,
  roles: Type.Array(Type.String(), { description: 'Room roles: owner, moderator, leader' }),
})

export const RoomRolesResponseSchema = Success(
  { roles: Type.Array(RoomRoleHolderSchema) },
  {
    examples: [
      {
        roles: [
          {
            _id: 'ByehQjC44FwMeiLbX-aobEdbYhXfu5hkeqG',
            rid: 'ByehQjC44FwMeiLbX',
            u: { _id: 'aobEdbYhXfu5hkeqG', username: 'testing1' },
            roles: ['owner'],
          },
        ],
        success: true,
      },
    ],
  },
)

export const ModeratorsResponseSchema = Success({ moderators: Type.Array(RoomUserSchema) })
