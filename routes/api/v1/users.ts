import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../domain/errors.js'
import { createUser } from '../../../domain/users/create.js'
import { deleteUser } from '../../../domain/users/delete.js'
import { listAllUsers, userInfo } from '../../../domain/users/info.js'
import { registerUser } from '../../../domain/users/register.js'
import { updateUser } from '../../../domain/users/update.js'
import { refusals, SuccessSchema } from '../../../schemas/common.js'
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
import { describeRoute, withExample } from '../../describe.js'
import { authenticated } from './security.js'
import { anyUserLookup, noSuchUser } from './user-lookup.js'

const usernameRules = [errors.invalidUsername, [errors.blockedUsername, '`all` or `here`']] as const

/** The checks of a new or changed user's fields, in order: username, roles, then uniqueness. */
const userFields = [
  ...usernameRules,
  [errors.unknownRole, 'a role that is not a global role'],
  [errors.fieldUnavailable, 'a username, then an email, another user holds, compared without case'],
] as const

const invalidEmail = withExample(errors.invalidParams, 'email must match format "email"')

const create = describeRoute('users.create', [
  [
    invalidEmail,
    'a body missing `email`, `name`, `password` or `username`, or with keys it does not define, or an `email` that is not one',
  ],
  errors.addingUserNotAllowed,
  ...userFields,
])

const info = describeRoute('users.info', [
  [errors.userParamNotProvided, 'neither parameter'],
  errors.userNotFound,
])

const list = describeRoute('users.list', [errors.invalidSort, errors.invalidQuery])

const update = describeRoute('users.update', [
  [errors.editingUserNotAllowed, 'another user without `edit-other-user-info`'],
  noSuchUser,
  [errors.notAllowed, 'a change of `active` without `edit-other-user-info`'],
  [errors.assigningRolesNotAllowed, 'a change of `roles` without `assign-roles`'],
  ...userFields,
  [errors.noAdminLeft, 'taking admin from the last active admin'],
  [errors.noActiveAdminLeft, 'deactivating the last active admin'],
  [errors.userLastOwner, 'deactivating the only owner of a group with other members'],
])

const remove = describeRoute('users.delete', [
  [errors.forbidden, 'no `delete-user`'],
  ...anyUserLookup,
  [errors.noAdminLeft, 'the last active admin'],
  [errors.userLastOwner, 'the only owner of a group with other members: set new owners first'],
])

const register = describeRoute('users.register', [
  [
    invalidEmail,
    'a body missing a field or with keys it does not define, or an `email` that is not one',
  ],
  [errors.registrationDisabled, 'registration off'],
  ...usernameRules,
  [errors.usernameInUse, 'a username in use, compared without case'],
  [errors.fieldUnavailable, 'an email in use'],
])

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/users.create',
    {
      config: create.config,
      schema: {
        ...create.schema,
        ...authenticated,
        body: CreateUserBodySchema,
        response: { 200: UserResponseSchema, ...create.refusals, ...refusals(401) },
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
      config: info.config,
      schema: {
        ...info.schema,
        ...authenticated,
        querystring: UserInfoQuerySchema,
        response: { 200: UserInfoResponseSchema, ...info.refusals, ...refusals(401) },
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
      config: list.config,
      schema: {
        ...list.schema,
        ...authenticated,
        querystring: UsersListQuerySchema,
        response: { 200: UsersListResponseSchema, ...list.refusals, ...refusals(401) },
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
      config: update.config,
      schema: {
        ...update.schema,
        ...authenticated,
        body: UpdateUserBodySchema,
        response: { 200: UserResponseSchema, ...update.refusals, ...refusals(401) },
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
      config: remove.config,
      schema: {
        ...remove.schema,
        ...authenticated,
        body: UserRefBodySchema,
        response: { 200: SuccessSchema, ...remove.refusals, ...refusals(401) },
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
      config: { ...register.config, public: true },
      schema: {
        ...register.schema,
        body: RegisterBodySchema,
        response: { 200: UserResponseSchema, ...register.refusals },
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
