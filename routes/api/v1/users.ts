import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../domain/errors.js'
import { createUser } from '../../../domain/users/create.js'
import { deleteUser } from '../../../domain/users/delete.js'
import { listAllUsers, userInfo } from '../../../domain/users/info.js'
import { registerUser } from '../../../domain/users/register.js'
import { updateUser } from '../../../domain/users/update.js'
import { badRequest, refusal, refusals, SuccessSchema } from '../../../schemas/common.js'
import {
  CreateUserBodySchema,
  RegisterBodySchema,
  UpdateUserBodySchema,
  UserInfoQuerySchema,
  UserInfoResponseSchema,
  UserRefBodySchema,
  UserResponseSchema,
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
        description: [
          'Permission required: the global `create-user` (admins).',
          '',
          'Refusals, in the order they are checked: a body missing `email`, `name`, `password` or `username`, or with keys it does not define, or an `email` that is not one (`invalid-params`); no `create-user` (`error-action-not-allowed`); a username breaking `^[0-9a-zA-Z-_.]+$` (`error-input-is-not-a-valid-field`); `all` or `here` (`error-blocked-username`); a role that is not a global role (`error-invalid-role`); a username, then an email, already in use, compared without case (`error-field-unavailable`).',
          '',
          "New users get the `user` role unless `roles` says otherwise, and are active unless `active` is false. `verified`, `requirePasswordChange`, `joinDefaultChannels` and `sendWelcomeEmail` are accepted for Rocket.Chat's clients and have no effect.",
        ].join('\n'),
        ...authenticated,
        body: CreateUserBodySchema,
        response: {
          200: UserResponseSchema,
          400: badRequest(
            refusal({
              errorType: 'error-field-unavailable',
              message: 'rocket.cat is already in use :(',
            }),
            refusal(errors.actionNotAllowed('Adding user is not allowed')),
          ),
          ...refusals(401),
        },
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
        description: [
          'Any logged-in user, by `userId` or `username` (without case; `userId` wins), deactivated users included. Emails, roles and dates are shown for oneself and to callers with `view-full-other-user-info` (admins) only.',
          '',
          'Refusals, in the order they are checked: neither parameter (`error-user-param-not-provided`); no such user (`User not found.`, no errorType).',
        ].join('\n'),
        ...authenticated,
        querystring: UserInfoQuerySchema,
        response: {
          200: UserInfoResponseSchema,
          400: badRequest(
            refusal({ message: 'User not found.' }),
            refusal(errors.userParamNotProvided()),
          ),
          ...refusals(401),
        },
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
        description: [
          'Any logged-in user; emails, roles and dates only for callers with `view-full-other-user-info` (admins). `sort` takes the fields `username`, `name`, `createdAt` (default `{"username":1}`); `query` filters on `username`, `name` (equal, or `$regex`, without case when `$options` is `i`) and `active` (equal), combined with `$and`/`$or`. `offset` defaults to 0, `count` to 50 (above 100 is cut to 100).',
          '',
          'Refusals, in the order they are checked: a bad `sort` (`error-invalid-sort`); a `query` that cannot be used, including a regular expression PostgreSQL refuses (`error-invalid-query`).',
        ].join('\n'),
        ...authenticated,
        querystring: UsersListQuerySchema,
        response: {
          200: UsersListResponseSchema,
          400: badRequest(
            refusal({
              errorType: 'error-invalid-query',
              message: 'Invalid query parameter provided: "{"emails":"rocket.cat@example.com"}"',
            }),
          ),
          ...refusals(401),
        },
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
        description: [
          "Anyone may change their own `name`, `username`, `email` and `password`. Changing another user needs the global `edit-other-user-info` (admins), so does changing `active`, even one's own; a different set of `roles` needs `assign-roles` (admins).",
          '',
          'Refusals, in the order they are checked: another user without `edit-other-user-info` (`error-action-not-allowed`); no such user (`error-invalid-user`); a change of `active` without `edit-other-user-info` (`error-not-allowed`); a change of `roles` without `assign-roles` (`error-action-not-allowed`); a username breaking `^[0-9a-zA-Z-_.]+$` (`error-input-is-not-a-valid-field`) or `all`/`here` (`error-blocked-username`); a role that is not a global role (`error-invalid-role`); a username, then an email, another user holds, compared without case (`error-field-unavailable`); taking admin from, or deactivating, the last active admin (`error-action-not-allowed`); deactivating the only owner of a group with other members (`user-last-owner`).',
          '',
          'Deactivating logs the user out everywhere. A new username is shown everywhere the user appears, group creators and messages included.',
        ].join('\n'),
        ...authenticated,
        body: UpdateUserBodySchema,
        response: {
          200: UserResponseSchema,
          400: badRequest(
            refusal(errors.actionNotAllowed('Editing user is not allowed')),
            refusal({
              errorType: 'user-last-owner',
              message:
                'The user is the last owner of team-testing. Set new owners before deactivating the user.',
            }),
          ),
          ...refusals(401),
        },
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
        description: [
          'Permission required: the global `delete-user` (admins).',
          '',
          'Refusals, in the order they are checked: no `delete-user` (403 `error-unauthorized`); no `userId`/`username` (`error-user-param-not-provided`); no such user (`error-invalid-user`); the last active admin (`error-action-not-allowed`); the only owner of a group with other members (`user-last-owner`: set new owners first).',
          '',
          'The user leaves every group (each counts one member less) and is logged out; the messages they wrote stay.',
        ].join('\n'),
        ...authenticated,
        body: UserRefBodySchema,
        response: {
          200: SuccessSchema,
          400: badRequest(
            refusal({
              errorType: 'user-last-owner',
              message:
                'The user is the last owner of team-testing. Set new owners before deleting the user.',
            }),
            refusal(errors.invalidUser()),
          ),
          ...refusals(401, 403),
        },
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
        description: [
          'No login needed; off unless the service runs with `ALLOW_REGISTRATION=true`. Creates an active user with the `user` role (a blank `name` becomes the username). Log in afterwards to get a token.',
          '',
          'Refusals, in the order they are checked: a body missing a field or with keys it does not define, or an `email` that is not one (`invalid-params`); registration off (`error-user-registration-disabled`); a username breaking `^[0-9a-zA-Z-_.]+$` (`error-input-is-not-a-valid-field`) or `all`/`here` (`error-blocked-username`); a username in use, compared without case (`Username is already in use`, no errorType); an email in use (`error-field-unavailable`).',
        ].join('\n'),
        body: RegisterBodySchema,
        response: {
          200: UserResponseSchema,
          400: badRequest(
            refusal({
              errorType: 'error-user-registration-disabled',
              message: 'User registration is disabled',
            }),
            refusal({ message: 'Username is already in use' }),
          ),
        },
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
