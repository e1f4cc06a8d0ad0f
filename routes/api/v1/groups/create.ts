import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { createGroup } from '../../../../domain/groups/create.js'
import { refusals, withExamples } from '../../../../schemas/common.js'
import { exampleNewGroup } from '../../../../schemas/examples.js'
import { CreateGroupBodySchema, GroupResponseSchema } from '../../../../schemas/groups.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'
import { sendGroup } from './group-reply.js'
import { missingName, nameRefusals } from './names.js'

const creation = describeRoute('groups.create', [
  missingName(errors.bodyParamNameRequired),
  [errors.notAllowed, 'no `create-p`'],
  [
    errors.notSupported,
    '`extraData` asking for a feature this service does not have — `encrypted`, `broadcast` or `federated` set to `true`, or a non-empty `teamId`',
  ],
  ...nameRefusals('a name another group holds'),
  [errors.invalidMembers, '`excludeSelf` without any valid user in `members`'],
])

const create: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.create',
    {
      config: { ...creation.config, missingParam: errors.bodyParamNameRequired },
      schema: {
        ...creation.schema,
        ...authenticated,
        body: CreateGroupBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, { group: exampleNewGroup, success: true }),
          ...creation.refusals,
          ...refusals(401),
        },
      },
    },
    async (request, reply) =>
      sendGroup(reply, await createGroup(app.db, request.actor, request.body, app.roomNamePattern)),
  )
}

export default create
