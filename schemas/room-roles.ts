import { Type } from '@sinclair/typebox'
import { IdSchema, Success, withExamples } from './common.js'
import { exampleIds, exampleRoomUsers } from './examples.js'

const RoomUserSchema = Type.Object({ _id: IdSchema, username: Type.String() })

export const RoomRoleHolderSchema = Type.Object({
  _id: Type.String({ description: 'The membership: `<roomId>-<userId>`' }),
  rid: IdSchema,
  u: RoomUserSchema,
  roles: Type.Array(Type.String(), { description: 'Room roles: owner, moderator, leader' }),
})

const { owner, member } = exampleRoomUsers

export const RoomRolesResponseSchema = withExamples(
  Success({ roles: Type.Array(RoomRoleHolderSchema) }),
  {
    roles: [
      {
        _id: `${exampleIds.group}-${member._id}`,
        rid: exampleIds.group,
        u: member,
        roles: ['moderator'],
      },
      {
        _id: `${exampleIds.group}-${owner._id}`,
        rid: exampleIds.group,
        u: owner,
        roles: ['owner'],
      },
    ],
    success: true,
  },
)

export const ModeratorsResponseSchema = withExamples(
  Success({ moderators: Type.Array(RoomUserSchema) }),
  { moderators: [member], success: true },
)
