import { type Static, Type } from '@sinclair/typebox'
import {
  IdSchema,
  Nullable,
  PageQueryProperties,
  PageResultProperties,
  RoomRefProperties,
  SortQueryProperty,
  Success,
  TimestampSchema,
} from './common.js'

export const AuditLogQuerySchema = Type.Object({
  ...RoomRefProperties,
  ...PageQueryProperties,
  sort: SortQueryProperty(['ts']),
})

export const AuditEntrySchema = Type.Object({
  _id: Type.String({ description: 'Entries are numbered in the order they were written' }),
  ts: TimestampSchema,
  action: Type.String({
    description: 'The endpoint that made the change, e.g. `groups.rename`',
    examples: ['groups.rename'],
  }),
  rid: Nullable(IdSchema),
  u: Nullable(
    Type.Object(
      { _id: IdSchema, username: Type.String() },
      { description: 'Who made the change; null for the service itself' },
    ),
  ),
  before: Type.Unknown({ description: 'The changed values before the change (null if none)' }),
  after: Type.Unknown({ description: 'The changed values after the change (null if none)' }),
})
export type AuditEntryView = Static<typeof AuditEntrySchema>

export const AuditLogResponseSchema = Success(
  { entries: Type.Array(AuditEntrySchema), ...PageResultProperties },
  {
    examples: [
      {
        entries: [
          {
            _id: '42',
            ts: '2016-12-09T15:57:44.686Z',
            action: 'groups.rename',
            rid: 'ByehQjC44FwMeiLbX',
            u: { _id: 'aobEdbYhXfu5hkeqG', username: 'testing1' },
            before: { name: 'old-name' },
            after: { name: 'new-name' },
          },
        ],
        count: 1,
        offset: 0,
        total: 1,
        success: true,
      },
    ],
  },
)
