import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createGroup } from '../../../../domain/groups/create.js'
import { refusals } from '../../../../schemas/common.js'
import { CreateGroupBodySchema, GroupResponseSchema } from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const create: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.create',
    {
      config: { missingParamMessage: (param) => `Body param "${param}" is required` },
      schema: {
        tags: ['Groups'],
        summary: 'Create a private group',
        description:
          'Needs the global `create-p` permission. The caller becomes the owner; `members` lists usernames to add (unknown ones are skipped). The name must match the naming rule and be free among rooms and usernames (`error-duplicate-channel-name`, `error-duplicate-handle`).',
        ...authenticated,
        body: CreateGroupBodySchema,
        response: { 200: GroupResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      group: await createGroup(app.db, request.actor, request.body, app.roomNamePattern),
      success: true as const,
    }),
  )
}

export default create
