import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createUser } from '../../../domain/users/create.js'
import { refusals, Success } from '../../../schemas/common.js'
import { CreateUserBodySchema, UserSchema } from '../../../schemas/users.js'
import { authenticated } from './security.js'

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/users.create',
    {
      schema: {
        tags: ['Users'],
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
}

export default users
