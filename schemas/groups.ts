import { type Static, Type } from '@sinclair/typebox'
import {
  CountQueryProperty,
  IdSchema,
  Nullable,
  OffsetQueryProperty,
  PageQueryProperties,
  PageResultProperties,
  RoomRefProperties,
  SortQueryProperty,
  Success,
  TextQueryProperty,
  TimestampSchema,
  UserRefProperties,
  withExamples,
  withNamedExamples,
} from './common.js'
import {
  exampleGroup,
  exampleIds,
  exampleMembers,
  exampleMessages,
  exampleRoomUsers,
  groupSummary,
} from './examples.js'
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
  topic: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  purpose: Type.Optional(Type.String()),
  announcement: Type.Optional(Type.String()),
  customFields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  archived: Type.Optional(Type.Boolean({ description: 'Present and true once archived' })),
})
export type GroupView = Static<typeof GroupSchema>

export const GroupSummarySchema = Type.Omit(GroupSchema, ['usernames'])
export type GroupSummaryView = Static<typeof GroupSummarySchema>

export const GroupResponseSchema = withExamples(Success({ group: GroupSchema }), {
  group: exampleGroup,
  success: true,
})

/**
 * The group as Rocket.Chat's API reference shows it. The reference predates `fname` and
 * `usersCount`, which this service always sends.
 */
const referenceGroup = {
  _id: 'ByehQjC44FwMeiLbX',
  t: 'p',
  u: { _id: 'aobEdbYhXfu5hkeqG', username: 'testing1' },
  ts: '2016-12-09T15:08:58.042Z',
  ro: false,
  sysMes: true,
}

const REFERENCE_SUMMARY =
  "Rocket.Chat's API reference (predates `fname` and `usersCount`, which this service sends)"

/** Everything this service sends first, then Rocket.Chat's reference example. */
export const LeaveResponseSchema = withNamedExamples(
  Success({ group: GroupSchema }),
  {
    thisService: {
      summary: 'What this service answers: the group without the caller',
      value: {
        group: {
          ...exampleGroup,
          usernames: ['testing1'],
          msgs: 3,
          usersCount: 1,
          _updatedAt: '2016-12-09T15:40:02.117Z',
        },
        success: true,
      },
    },
  },
  {
    rocketChatReference: {
      summary: REFERENCE_SUMMARY,
      value: {
        group: {
          ...referenceGroup,
          name: 'invite-me',
          usernames: ['testing2'],
          msgs: 0,
          _updatedAt: '2016-12-09T15:22:40.656Z',
        },
        success: true,
      },
    },
  },
)

/** Everything this service sends first, then Rocket.Chat's reference example. */
export const RenameResponseSchema = withNamedExamples(
  Success({ group: GroupSchema }),
  {
    thisService: {
      summary: 'What this service answers: the group under its new name',
      value: {
        group: {
          ...exampleGroup,
          name: 'new-name',
          fname: 'new-name',
          msgs: 3,
          _updatedAt: '2016-12-09T15:57:44.686Z',
        },
        success: true,
      },
    },
  },
  {
    rocketChatReference: {
      summary: REFERENCE_SUMMARY,
      value: {
        group: {
          ...referenceGroup,
          name: 'new-name',
          usernames: ['testing1'],
          msgs: 4,
          _updatedAt: '2016-12-09T15:57:44.686Z',
        },
        success: true,
      },
    },
  },
)

export const RoomRefBodySchema = Type.Object(RoomRefProperties, {
  additionalProperties: false,
  examples: [{ roomId: exampleIds.group }],
})

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
  { additionalProperties: false, examples: [{ roomId: exampleIds.group, username: 'rocket.cat' }] },
)

/** Custom fields as Rocket.Chat keeps them: a free-form object, bounded in size. */
export const RoomCustomFieldsSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  maxProperties: 50,
  description: 'Free-form custom fields (at most 50 keys)',
})

const roomText = (description: string) => Type.String({ maxLength: 4096, description })

/** An `extraData` switch for a feature this service lacks: `false` is taken, `true` refused. */
const unsupportedSwitch = (feature: string) =>
  Type.Boolean({
    description: `Only \`false\`: this service has no ${feature}, so \`true\` is refused (\`error-not-supported\`)`,
  })

export const CreateGroupBodySchema = withNamedExamples(
  Type.Object(
    {
      name: Type.String({ maxLength: 256 }),
      members: Type.Optional(
        Type.Array(Type.String({ maxLength: 128 }), {
          maxItems: 1000,
          description: 'Usernames to add as members',
        }),
      ),
      readOnly: Type.Optional(Type.Boolean()),
      excludeSelf: Type.Optional(
        Type.Boolean({
          description:
            'Do not add the creator as a member; the first valid user in `members` becomes the owner',
        }),
      ),
      customFields: Type.Optional(RoomCustomFieldsSchema),
      extraData: Type.Optional(
        Type.Object(
          {
            topic: Type.Optional(roomText('The topic')),
            description: Type.Optional(roomText('The description')),
            announcement: Type.Optional(roomText('The announcement')),
            readOnly: Type.Optional(
              Type.Boolean({ description: 'Read-only, unless the top-level `readOnly` is sent' }),
            ),
            customFields: Type.Optional(RoomCustomFieldsSchema),
            encrypted: Type.Optional(unsupportedSwitch('end-to-end encrypted groups')),
            broadcast: Type.Optional(unsupportedSwitch('broadcast groups')),
            federated: Type.Optional(unsupportedSwitch('federated groups')),
            teamId: Type.Optional(
              Nullable(
                Type.String({
                  description:
                    'Only null or empty: this service has no teams, so a team ID is refused (`error-not-supported`)',
                }),
              ),
            ),
          },
          {
            additionalProperties: true,
            description:
              'More room settings, as Rocket.Chat takes them; keys not listed here are ignored',
          },
        ),
      ),
    },
    {
      additionalProperties: false,
    },
  ),
  {
    withMember: {
      summary: 'A group with one more member',
      value: { name: 'team-testing', members: ['rocket.cat'] },
    },
    allSettings: {
      summary: 'A read-only group with custom fields, topic and description',
      value: {
        name: 'announcements',
        members: ['rocket.cat', 'testing2'],
        readOnly: true,
        customFields: { team: 'testing' },
        extraData: { topic: 'News for everyone', description: 'Only owners post here.' },
      },
    },
  },
)
export type CreateGroupBody = Static<typeof CreateGroupBodySchema>

export const InviteBodySchema = withNamedExamples(
  Type.Object(
    {
      ...RoomRefProperties,
      ...UserRefProperties,
      userIds: Type.Optional(
        Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000, description: "Users' IDs" }),
      ),
      usernames: Type.Optional(
        Type.Array(Type.String({ maxLength: 128 }), { maxItems: 1000, description: 'Usernames' }),
      ),
    },
    {
      additionalProperties: false,
    },
  ),
  {
    oneUser: {
      summary: 'One user, by username',
      value: { roomId: exampleIds.group, username: 'rocket.cat' },
    },
    severalUsers: {
      summary: 'Several users, by username',
      value: { roomId: exampleIds.group, usernames: ['rocket.cat', 'testing2'] },
    },
  },
)

const groupSortFields = ['name', 'fname', 'ts', '_updatedAt', 'msgs', 'usersCount']

export const ListGroupsQuerySchema = Type.Object({
  ...PageQueryProperties,
  sort: SortQueryProperty(groupSortFields),
})
export const ListGroupsResponseSchema = withExamples(
  Success({ groups: Type.Array(GroupSummarySchema), ...PageResultProperties }),
  { groups: [groupSummary(exampleGroup)], count: 1, offset: 0, total: 1, success: true },
)

export const ListAllGroupsQuerySchema = Type.Object({
  ...PageQueryProperties,
  sort: SortQueryProperty(groupSortFields),
  query: TextQueryProperty(['name', 'fname']),
})

export const MembersQuerySchema = Type.Object({
  ...RoomRefProperties,
  ...PageQueryProperties,
  sort: SortQueryProperty(['username', 'name']),
})
export const MembersResponseSchema = withExamples(
  Success({ members: Type.Array(MemberSchema), ...PageResultProperties }),
  { members: exampleMembers, count: 2, offset: 0, total: 2, success: true },
)

export const HistoryQuerySchema = Type.Object({
  ...RoomRefProperties,
  latest: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Newest time to include: an ISO-8601 date-time from year 0001 to 9999 (UTC)',
      examples: ['2016-12-09T16:00:00.000Z'],
    }),
  ),
  oldest: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Oldest time to include: an ISO-8601 date-time from year 0001 to 9999 (UTC)',
      examples: ['2016-12-09T15:00:00.000Z'],
    }),
  ),
  inclusive: Type.Optional(Type.Boolean({ default: false })),
  offset: OffsetQueryProperty(),
  count: CountQueryProperty(20, 'Messages'),
})
export const HistoryResponseSchema = withExamples(
  Success({ messages: Type.Array(MessageSchema) }),
  { messages: exampleMessages, success: true },
)

export const MessagesQuerySchema = Type.Object({
  ...RoomRefProperties,
  ...PageQueryProperties,
  sort: SortQueryProperty(['ts', '_updatedAt']),
  query: TextQueryProperty(['msg', 't', 'u._id', 'u.username']),
})
export const MessagesResponseSchema = withExamples(
  Success({ messages: Type.Array(MessageSchema), ...PageResultProperties }),
  { messages: exampleMessages, count: 2, offset: 0, total: 2, success: true },
)

export const CountersQuerySchema = Type.Object({
  ...RoomRefProperties,
  userId: Type.Optional(
    Type.String({
      description: "Another user's counters (needs `view-room-administration`)",
      examples: [exampleRoomUsers.member._id],
    }),
  ),
})
const CountersSchema = Type.Object({
  joined: Type.Boolean({ description: 'The user is in the group and has it open' }),
  members: Nullable(Type.Integer({ description: 'Active members' })),
  unreads: Nullable(Type.Integer({ description: 'Messages since the user last read the group' })),
  unreadsFrom: Nullable(TimestampSchema),
  msgs: Nullable(Type.Integer()),
  latest: Nullable(TimestampSchema),
  userMentions: Nullable(Type.Integer()),
})
export type CountersView = Static<typeof CountersSchema>
export const CountersResponseSchema = withExamples(Success(CountersSchema.properties), {
  joined: true,
  members: 2,
  unreads: 1,
  unreadsFrom: '2016-12-09T15:12:31.904Z',
  msgs: 2,
  latest: exampleGroup._updatedAt,
  userMentions: 0,
  success: true,
})
