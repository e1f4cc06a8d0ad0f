import { Type } from '@sinclair/typebox'
import { IdSchema, Success, withExamples } from './common.js'
import { exampleUser } from './examples.js'
import { UserSchema } from './users.js'

/** A token as login hands it out: 256 random bits, base64url. */
const exampleToken = 'RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f'

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
  {
    additionalProperties: false,
    examples: [
      { user: 'rocket.cat', password: 'a long secret' },
      { email: 'rocket.cat@example.com', password: 'a long secret' },
      { resume: exampleToken },
    ],
  },
)

export const LoginSuccessSchema = withExamples(
  Type.Object({
    status: Type.Literal('success'),
    data: Type.Object({ userId: IdSchema, authToken: Type.String(), me: UserSchema }),
    success: Type.Literal(true),
  }),
  {
    status: 'success',
    data: { userId: exampleUser._id, authToken: exampleToken, me: exampleUser },
    success: true,
  },
)

const loginFailure = (error: string, message: string) =>
  ({ success: false, status: 'error', error, message }) as const

export const LoginFailureSchema = withExamples(
  Type.Object(
    {
      success: Type.Literal(false),
      status: Type.Literal('error'),
      error: Type.String(),
      message: Type.String(),
    },
    { description: 'The login was refused' },
  ),
  loginFailure('Unauthorized', 'Unauthorized'),
  loginFailure('error-user-is-not-activated', 'User is not activated'),
  loginFailure('error-login-blocked-for-user', 'Login has been temporarily blocked For User'),
)

export const LogoutSuccessSchema = withExamples(
  Type.Object({
    status: Type.Literal('success'),
    data: Type.Object({ message: Type.String() }),
    success: Type.Literal(true),
  }),
  { status: 'success', data: { message: "You've been logged out!" }, success: true },
)

export const MeResponseSchema = withExamples(Success(UserSchema.properties), {
  ...exampleUser,
  success: true,
})
