import { type Static, Type } from '@sinclair/typebox'
import { IdSchema, TimestampSchema } from './common.js'

export const UserSchema = Type.Object({
  _id: IdSchema,
  username: Type.String(),
  name: Type.String(),
  emails: Type.Array(Type.Object({ address: Type.String(), verified: Type.Boolean() })),
  roles: Type.Array(Type.String()),
  active: Type.Boolean(),
  status: Type.String(),
  type: Type.Literal('user'),
  createdAt: TimestampSchema,
  _updatedAt: TimestampSchema,
})
export type UserView = Static<typeof UserSchema>

export const MemberSchema = Type.Object({
  _id: IdSchema,
  username: Type.String(),
  name: Type.String(),
  status: Type.String(),
})
export type MemberView = Static<typeof MemberSchema>

export const CreateUserBodySchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    username: Type.String({ minLength: 1, maxLength: 128 }),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
    active: Type.Optional(Type.Boolean()),
    verified: Type.Optional(Type.Boolean()),
    requirePasswordChange: Type.Optional(Type.Boolean()),
    joinDefaultChannels: Type.Optional(Type.Boolean()),
    sendWelcomeEmail: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type CreateUserBody = Static<typeof CreateUserBodySchema>
