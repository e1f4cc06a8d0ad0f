import { type Static, Type } from '@sinclair/typebox'
import {
  IdSchema,
  PageQueryProperties,
  PageResultProperties,
  SortQueryProperty,
  Success,
  TimestampSchema,
  UserRefProperties,
  withExamples,
  withNamedExamples,
} from './common.js'
import { examplePublicUser, exampleUser } from './examples.js'

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

export const CreateUserBodySchema = withNamedExamples(
  Type.Object(
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
    {
      additionalProperties: false,
    },
  ),
  {
    person: {
      summary: 'A person',
      value: {
        email: 'rocket.cat@example.com',
        name: 'Rocket Cat',
        password: 'a long secret',
        username: 'rocket.cat',
      },
    },
    bot: {
      summary: 'A bot, with the global role bot',
      value: {
        email: 'deploy-bot@example.com',
        name: 'Deploy Bot',
        password: 'another long secret',
        username: 'deploy-bot',
        roles: ['bot'],
      },
    },
  },
)

export const UserInfoSchema = Type.Object(
  {
    _id: IdSchema,
    username: Type.String(),
    name: Type.String(),
    status: Type.String(),
    active: Type.Boolean(),
    type: Type.Literal('user'),
    emails: Type.Optional(UserSchema.properties.emails),
    roles: Type.Optional(Type.Array(Type.String())),
    createdAt: Type.Optional(TimestampSchema),
    _updatedAt: Type.Optional(TimestampSchema),
  },
  {
    description:
      'A user. `emails`, `roles`, `createdAt` and `_updatedAt` are shown to the user themselves and to callers with `view-full-other-user-info` only.',
  },
)
export type UserInfoView = Static<typeof UserInfoSchema>

export const UserInfoQuerySchema = Type.Object(UserRefProperties)

/** The user with every field, as they see themself and as an admin sees them. */
export const UserResponseSchema = withExamples(Success({ user: UserSchema }), {
  user: exampleUser,
  success: true,
})

export const UserInfoResponseSchema = withNamedExamples(Success({ user: UserInfoSchema }), {
  asAnotherUser: {
    summary: 'As any other logged-in user sees them',
    value: { user: examplePublicUser, success: true },
  },
  asAdmin: {
    summary: 'As an admin, or the user themself, sees them',
    value: { user: exampleUser, success: true },
  },
})

export const UsersListQuerySchema = Type.Object({
  ...PageQueryProperties,
  sort: SortQueryProperty(['username', 'name', 'createdAt']),
  query: Type.Optional(
    Type.String({
      maxLength: 2048,
      description:
        'A JSON filter: `{"username" | "name": "value"}`, `{"username" | "name": {"$regex": "…", "$options": "i"}}` (a regular expression of at most 128 characters, without case when `$options` is `i`), `{"active": true | false}`, and `$and` / `$or` lists of such objects. Anything else is `error-invalid-query`.',
      examples: ['{"username":{"$regex":"^ali","$options":"i"}}'],
    }),
  ),
})

export const UsersListResponseSchema = withNamedExamples(
  Success({ users: Type.Array(UserInfoSchema), ...PageResultProperties }),
  {
    asAnotherUser: {
      summary: 'As any other logged-in user sees them',
      value: { users: [examplePublicUser], count: 1, offset: 0, total: 1, success: true },
    },
    asAdmin: {
      summary: 'As an admin sees them',
      value: { users: [exampleUser], count: 1, offset: 0, total: 1, success: true },
    },
  },
)

export const UpdateUserBodySchema = withNamedExamples(
  Type.Object(
    {
      userId: Type.String({ minLength: 1, maxLength: 64, description: 'The user to change' }),
      data: Type.Object(
        {
          email: Type.Optional(CreateUserBodySchema.properties.email),
          name: Type.Optional(CreateUserBodySchema.properties.name),
          password: Type.Optional(CreateUserBodySchema.properties.password),
          username: Type.Optional(CreateUserBodySchema.properties.username),
          active: Type.Optional(Type.Boolean()),
          roles: Type.Optional(
            Type.Array(Type.String({ maxLength: 64 }), {
              maxItems: 32,
              description: 'The complete new list of global roles',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    {
      additionalProperties: false,
    },
  ),
  {
    rename: {
      summary: 'Change the display name',
      value: { userId: 'BsNr28znDkG8aeo7W', data: { name: 'Rocket Cat' } },
    },
    deactivate: {
      summary: 'Deactivate the user',
      value: { userId: 'BsNr28znDkG8aeo7W', data: { active: false } },
    },
  },
)
export type UpdateUserBody = Static<typeof UpdateUserBodySchema>

export const UserRefBodySchema = Type.Object(UserRefProperties, {
  additionalProperties: false,
  examples: [{ username: 'rocket.cat' }],
})

export const RegisterBodySchema = Type.Object(
  {
    username: CreateUserBodySchema.properties.username,
    email: CreateUserBodySchema.properties.email,
    pass: CreateUserBodySchema.properties.password,
    name: CreateUserBodySchema.properties.name,
  },
  {
    additionalProperties: false,
    examples: [
      { username: 'alice', email: 'alice@example.org', pass: 'a long secret', name: 'Alice' },
    ],
  },
)
export type RegisterBody = Static<typeof RegisterBodySchema>
