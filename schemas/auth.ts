import { Type } from '@sinclair/typebox'
import { IdSchema, Success, withExamples, withNamedExamples } from './common.js'
import { exampleUser } from './examples.js'
import { UserSchema } from './users.js'

/** A token as login hands it out: 256 random bits, base64url. */
const exampleToken = 'RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f'

export const LoginBodySchema = withNamedExamples(
  Type.Object(
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
    },
  ),
  {
    admin: {
      summary: "The walk-through's admin (ADMIN_PASS=change-me)",
      value: { user: 'admin', password: 'change-me' },
    },
    email: {
      summary: 'The same admin, by email (ADMIN_EMAIL defaults to admin@localhost)',
      value: { email: 'admin@localhost', password: 'change-me' },
    },
    resume: { summary: 'Resume a login with its authToken', value: { resume: exampleToken } },
  },
)

export const LoginSuccessSchema = withExamples(
  Type.Object(
    {
      status: Type.Literal('success'),
      data: Type.Object({ userId: IdSchema, authToken: Type.String(), me: UserSchema }),
      success: Type.Literal(true),
    },
    {
      'x-response-description':
        'Logged in: send `data.userId` as `X-User-Id` and `data.authToken` as `X-Auth-Token` (on this page: Authorize)',
    },
  ),
  {
    status: 'success',
    data: { userId: exampleUser._id, authToken: exampleToken, me: exampleUser },
    success: true,
  },
)

export const LogoutSuccessSchema = withExamples(
  Type.Object(
    {
      status: Type.Literal('success'),
      data: Type.Object({ message: Type.String() }),
      success: Type.Literal(true),
    },
    { 'x-response-description': 'Logged out: the token no longer works' },
  ),
  { status: 'success', data: { message: "You've been logged out!" }, success: true },
)

export const MeResponseSchema = withExamples(Success(UserSchema.properties), {
  ...exampleUser,
  success: true,
})
