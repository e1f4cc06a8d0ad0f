import { type Static, Type } from '@sinclair/typebox'
import { IdSchema, Nullable, Success, withExamples, withNamedExamples } from './common.js'
import { exampleGroup, exampleIds, groupSummary } from './examples.js'
import { GroupSummarySchema } from './groups.js'

const joinedAt = '2016-12-09T15:08:58.042Z'
const deletedAt = '2016-12-10T09:12:03.517Z'

function timestamp(description: string, example = joinedAt) {
  return Type.String({ format: 'date-time', description, examples: [example] })
}

export const SubscriptionSchema = Type.Object({
  _id: Type.String({
    description: 'The subscription: one membership; joining again after leaving makes a new one',
    examples: ['kZ7yWPGg5JmRmd9xd'],
  }),
  t: Type.Literal('p', { description: 'The room type: always `p`, a private group' }),
  ts: timestamp('When the caller joined the group'),
  ls: timestamp('When the caller last read the group'),
  name: Type.String({ description: "The group's name" }),
  fname: Type.String({ description: "The group's display name" }),
  rid: Type.String({ description: "The group's ID", examples: [exampleIds.group] }),
  u: Type.Object(
    {
      _id: Type.String({ description: "The caller's ID" }),
      username: Type.String({ description: "The caller's username" }),
    },
    { description: 'The subscribed user: the caller' },
  ),
  open: Type.Boolean({ description: "Shown in the caller's list: false after `groups.close`" }),
  alert: Type.Boolean({ description: 'Always false: unread alerts are not kept' }),
  unread: Type.Integer({ description: 'Always 0: unread counts are in `groups.counters`' }),
  userMentions: Type.Integer({ description: 'Always 0: mentions are not counted' }),
  groupMentions: Type.Integer({ description: 'Always 0: mentions are not counted' }),
  roles: Type.Array(Type.String(), {
    description: "The caller's room roles (`owner`, `moderator`, `leader`)",
  }),
  archived: Type.Optional(
    Type.Boolean({ description: 'Present and true once the group is archived' }),
  ),
  _updatedAt: timestamp(
    'The later of when the room roles and when the group last changed',
    exampleGroup._updatedAt,
  ),
})
export type SubscriptionView = Static<typeof SubscriptionSchema>

/** What a list's `remove` says of each item that went: which one, and when. */
function removedSchema(id: string, went: string) {
  return Type.Object({
    _id: Type.String({ ...IdSchema, description: id }),
    _deletedAt: timestamp(went, deletedAt),
  })
}

const UpdatedSinceProperty = (what: string) =>
  Type.Optional(
    Type.String({
      maxLength: 64,
      description: `Only the ${what} changed after this moment, and those removed after it: a date JavaScript's \`Date.parse\` reads (ISO-8601 is best), from year 0001 to 9999; empty counts as none`,
      examples: ['2016-12-09T15:08:58.042Z'],
    }),
  )

const exampleSubscription: SubscriptionView = {
  _id: 'kZ7yWPGg5JmRmd9xd',
  t: 'p',
  ts: joinedAt,
  ls: joinedAt,
  name: exampleGroup.name,
  fname: exampleGroup.fname,
  rid: exampleIds.group,
  u: exampleGroup.u,
  open: true,
  alert: false,
  unread: 0,
  userMentions: 0,
  groupMentions: 0,
  roles: ['owner'],
  _updatedAt: exampleGroup._updatedAt,
}

export const SubscriptionsGetQuerySchema = Type.Object({
  updatedSince: UpdatedSinceProperty('subscriptions'),
})

export const SubscriptionsGetResponseSchema = withExamples(
  Success({
    update: Type.Array(SubscriptionSchema, {
      description: "The caller's subscriptions, by group name",
    }),
    remove: Type.Array(
      removedSchema(
        'The subscription ID',
        'When the caller was kicked or left, or the group deleted',
      ),
      { description: "The caller's subscriptions removed after `updatedSince`; empty without it" },
    ),
  }),
  {
    update: [exampleSubscription],
    remove: [{ _id: 'Hx3TqrbB7Jm5ykqcN', _deletedAt: deletedAt }],
    success: true,
  },
)

export const SubscriptionsGetOneQuerySchema = Type.Object({
  roomId: Type.String({ description: "The group's ID", examples: [exampleIds.group] }),
})

export const SubscriptionsGetOneResponseSchema = withNamedExamples(
  Success({
    subscription: Nullable(
      Type.Object(SubscriptionSchema.properties, {
        description: "The caller's subscription; null when they are not in the group",
      }),
    ),
  }),
  {
    member: {
      summary: 'The caller is in the group',
      value: { subscription: exampleSubscription, success: true },
    },
    notMember: {
      summary: 'The caller is not in the group, or no group has the id',
      value: { subscription: null, success: true },
    },
  },
)

export const RoomsGetQuerySchema = Type.Object({
  updatedSince: UpdatedSinceProperty('groups'),
})

export const RoomsGetResponseSchema = withExamples(
  Success({
    update: Type.Array(GroupSummarySchema, { description: "The caller's groups, by name" }),
    remove: Type.Array(removedSchema("The group's ID", 'When the group was deleted'), {
      description:
        'The groups deleted after `updatedSince` while the caller was in them; empty without it',
    }),
  }),
  {
    update: [groupSummary(exampleGroup)],
    remove: [{ _id: 'hM4n5bEo2fXxtkWGb', _deletedAt: deletedAt }],
    success: true,
  },
)
