import { Type } from '@sinclair/typebox'
import { IdSchema } from './common.js'
import { UserSchema } from './users.js'

export const LoginBodySchema = Type.Object(
  {
    user: Type.Optional(
      Type.String({ maxLength: 256, description: 'A username, or an email when it contains @' }),
    ),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    resume: Type.Optional(Type.String({ maxLength: 256, description: 'An authToken to reuse' })),
  },
  { additionalProperties: false },
)

export const LoginSuccessSchema = Type.Object({
  status: Type.Literal('success'),
  data: Type.Object({ userId: IdSchema, authToken: Type.String(), me: UserSchema }),
  success: Type.Literal(true),
})

export const LoginFailureSchema = Type.Object({
  success: Type.Literal(false),
  status: Type.Literal('error'),
  error: Type.String(),
  message: Type.String(),
})

export const LogoutSuccessSchema = Type.Object({
  status: Type.Literal('success'),
  data: Type.Object({ message: Type.String() }),
  success: Type.Literal(true),
})
