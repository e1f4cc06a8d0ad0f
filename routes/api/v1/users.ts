import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createUser } from '../../../domain/users/create.js'
import { deleteUser } from '../../../domain/users/delete.js'
import { listAllUsers, userInfo } from '../../../domain/users/info.js'
import { registerUser } from '../../../domain/users/register.js'
import { updateUser } from '../../../domain/users/update.js'
import { refusals, Success, SuccessSchema } from '../../../schemas/common.js'
import {
  CreateUserBodySchema,
  RegisterBodySchema,
  UpdateUserBodySchema,
  UserInfoQuerySchema,
  UserInfoSchema,
  UserRefBodySchema,
  UserSchema,
  UsersListQuerySchema,
  UsersListResponseSchema,
} from '../../../schemas/users.js'
import { authenticated } from './security.js'

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/users.create',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Create a user',
        description:
          'Needs the `create-user` permission (admins). Usernames follow `^[0-9a-zA-Z-_.]+$`; a username or email already in use, compared without case, is refused with `error-field-unavailable`. New users get the `user` role unless `roles` says otherwise.',
        ...authenticated,
        body: CreateUserBodySchema,
        response: { 200: Success({ user: UserSchema }), ...refusals(400, 401) },
      },
    },
    async (request) => ({
      user: await createUser(app.db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.get(
    '/users.info',
    {
      schema: {
        tags: ['Administration'],
        summary: 'A user',
        description:
          'Any logged-in user, by `userId` or `username` (without case). Emails, roles and dates are shown for oneself and to callers with `view-full-other-user-info` (admins) only. Neither parameter: `error-user-param-not-provided`; no such user: `User not found.`',
        ...authenticated,
        querystring: UserInfoQuerySchema,
        response: { 200: Success({ user: UserInfoSchema }), ...refusals(400, 401) },
      },
    },
    async (request) => ({
      user: await userInfo(app.db, request.actor, request.query),
      success: true as const,
    }),
  )

  app.get(
    '/users.list',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Every user',
        description:
          'Any logged-in user; emails, roles and dates only for callers with `view-full-other-user-info` (admins). `sort` takes the fields `username`, `name`, `createdAt` (default `{"username":1}`; anything else is `error-invalid-sort`); `query` filters on `username`, `name` (equal, or `$regex` without case) and `active` (equal), combined with `$and`/`$or` (anything else is `error-invalid-query`). `count` above 100 is cut to 100.',
        ...authenticated,
        querystring: UsersListQuerySchema,
        response: { 200: UsersListResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await listAllUsers(app.db, request.actor, request.query)),
      success: true as const,
    }),
  )

  app.post(
    '/users.update',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Change a user',
        description:
          'Anyone may change their own `name`, `username`, `email` and `password`. Changing another user needs `edit-other-user-info` (else `error-action-not-allowed`), so does changing `active` (else `error-not-allowed`); a different set of `roles` needs `assign-roles` (else `error-action-not-allowed`). Values are checked as in users.create. Taking admin from, or deactivating, the last active admin is `error-action-not-allowed`; deactivating the only owner of a group with other members is `user-last-owner`. Deactivating logs the user out everywhere.',
        ...authenticated,
        body: UpdateUserBodySchema,
        response: { 200: Success({ user: UserSchema }), ...refusals(400, 401) },
      },
    },
    async (request) => ({
      user: await updateUser(app.db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/users.delete',
    {
      schema: {
        tags: ['Administration'],
        summary: 'Delete a user',
        description:
          'Needs `delete-user` (admins; else 403 `error-unauthorized`). Refused with `user-last-owner` while the user is the only owner of a group with other members (set new owners first), and with `error-action-not-allowed` for the last active admin. The user leaves every group (its member count drops) and is logged out; the messages they wrote stay.',
        ...authenticated,
        body: UserRefBodySchema,
        response: { 200: SuccessSchema, ...refusals(400, 401, 403) },
      },
    },
    async (request) => {
      await deleteUser(app.db, request.actor, request.body)
      return { success: true as const }
    },
  )

  app.post(
    '/users.register',
    {
      config: { public: true },
      schema: {
        tags: ['Administration'],
        summary: 'Sign up',
        description:
          'No login needed. Off unless the service runs with `ALLOW_REGISTRATION=true` (else `error-user-registration-disabled`). Creates an active user with the `user` role; the username is checked as in users.create, a taken one is refused with `Username is already in use`, a taken email with `error-field-unavailable`. Log in afterwards to get a token.',
        body: RegisterBodySchema,
        response: { 200: Success({ user: UserSchema }), ...refusals(400) },
      },
    },
    async (request) => ({
      user: await registerUser(app.db, request.body, {
        allowed: app.config.ALLOW_REGISTRATION,
      }),
      success: true as const,
    }),
  )
}

export default users
