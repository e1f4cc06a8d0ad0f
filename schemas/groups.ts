import { type Static, Type } from '@sinclair/typebox'
import {
  IdSchema,
  PageQueryProperties,
  PageResultProperties,
  RoomRefProperties,
  Success,
  TimestampSchema,
  UserRefProperties,
} from './common.js'
import { MessageSchema } from './messages.js'
import { MemberSchema } from './users.js'

export const GroupSchema = Type.Object({
  _id: IdSchema,
  name: Type.String({ description: 'The unique name used to find the group' }),
  fname: Type.String({ description: 'The display name' }),
  t: Type.Literal('p'),
  usernames: Type.Array(Type.String(), { description: "The current members' usernames" }),
  msgs: Type.Integer({ description: 'Messages in the group, system messages included' }),
  usersCount: Type.Integer(),
  u: Type.Object(
    { _id: IdSchema, username: Type.String() },
    { description: 'The user who created the group' },
  ),
  ts: TimestampSchema,
  ro: Type.Boolean({ description: 'Read-only' }),
  sysMes: Type.Boolean({ description: 'System messages are shown' }),
  _updatedAt: TimestampSchema,
})
export type GroupView = Static<typeof GroupSchema>

export const GroupSummarySchema = Type.Omit(GroupSchema, ['usernames'])
export type GroupSummaryView = Static<typeof GroupSummarySchema>

export const GroupResponseSchema = Success({ group: GroupSchema })

const seedGroup = {
  _id: 'ByehQjC44FwMeiLbX',
  t: 'p',
  u: { _id: 'aobEdbYhXfu5hkeqG', username: 'testing1' },
  ts: '2016-12-09T15:08:58.042Z',
  ro: false,
  sysMes: true,
}

export const LeaveResponseSchema = Success(
  { group: GroupSchema },
  {
    examples: [
      {
        group: {
          ...seedGroup,
          name: 'invite-me',
          usernames: ['testing2'],
          msgs: 0,
          _updatedAt: '2016-12-09T15:22:40.656Z',
        },
        success: true,
      },
    ],
  },
)

export const RenameResponseSchema = Success(
  { group: GroupSchema },
  {
    examples: [
      {
        group: {
          ...seedGroup,
          name: 'new-name',
          usernames: ['testing1'],
          msgs: 4,
          _updatedAt: '2016-12-09T15:57:44.686Z',
        },
        success: true,
      },
    ],
  },
)

export const RoomRefBodySchema = Type.Object(RoomRefProperties, { additionalProperties: false })
export type RoomRef = Static<typeof RoomRefBodySchema>

export const RoomRefQuerySchema = Type.Object(RoomRefProperties)

export const RenameBodySchema = Type.Object(
  {
    ...RoomRefProperties,
    name: Type.String({
      maxLength: 256,
      description:
        "The new name. It can not be the same as another group's name or the current one.",
      examples: ['new-name'],
    }),
  },
  { additionalProperties: false, examples: [{ roomId: 'ByehQjC44FwMeiLbX', name: 'new-name' }] },
)

export const RoomUserBodySchema = Type.Object(
  { ...RoomRefProperties, ...UserRefProperties },
  { additionalProperties: false },
)
export type RoomUserBody = Static<typeof RoomUserBodySchema>

export const CreateGroupBodySchema = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    members: Type.Optional(
      Type.Array(Type.String({ maxLength: 128 }), {
        maxItems: 1000,
        description: 'Usernames to add as members',
      }),
    ),
    readOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type CreateGroupBody = Static<typeof CreateGroupBodySchema>

export const ListGroupsQuerySchema = Type.Object(PageQueryProperties)
export const ListGroupsResponseSchema = Success({
  groups: Type.Array(GroupSummarySchema),
  ...PageResultProperties,
})

export const MembersQuerySchema = Type.Object({ ...RoomRefProperties, ...PageQueryProperties })
export const MembersResponseSchema = Success({
  members: Type.Array(MemberSchema),
  ...PageResultProperties,
})

export const HistoryQuerySchema = Type.Object({
  ...RoomRefProperties,
  latest: Type.Optional(
    Type.String({ format: 'date-time', description: 'Newest time to include' }),
  ),
  oldest: Type.Optional(
    Type.String({ format: 'date-time', description: 'Oldest time to include' }),
  ),
  inclusive: Type.Optional(Type.Boolean({ default: false })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 20 })),
})
export type HistoryQuery = Static<typeof HistoryQuerySchema>
export const HistoryResponseSchema = Success({ messages: Type.Array(MessageSchema) })
