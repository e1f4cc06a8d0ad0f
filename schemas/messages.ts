import { type Static, Type } from '@sinclair/typebox'
import { IdSchema, TimestampSchema } from './common.js'

export const MessageSchema = Type.Object({
  _id: IdSchema,
  rid: IdSchema,
  msg: Type.String(),
  t: Type.Optional(Type.String({ description: 'System message type, e.g. ul, r, au, ru' })),
  role: Type.Optional(Type.String()),
  ts: TimestampSchema,
  u: Type.Object({ _id: IdSchema, username: Type.String() }),
  groupable: Type.Optional(Type.Boolean()),
  _updatedAt: TimestampSchema,
})
export type MessageView = Static<typeof MessageSchema>
