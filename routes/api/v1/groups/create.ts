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
        description: [
          'Needs the global `create-p` permission (`error-not-allowed`). The name must match the naming rule and be free among rooms and usernames (`error-invalid-room-name`, `error-duplicate-channel-name`, `error-duplicate-handle`). `members` lists usernames to add (unknown ones are skipped).',
          '',
          'The caller joins as the owner. With `excludeSelf` the caller does not join (unless listed in `members`) and the first valid user in `members` becomes the owner instead, so every group starts with an owner; `excludeSelf` without any valid member is refused with `error-invalid-members`.',
          '',
          '`customFields` (an object of at most 50 keys) is stored and shown as `customFields`. `extraData` takes `topic`, `description`, `announcement`, `readOnly` and `customFields`; the top-level `readOnly` and `customFields` win over those in `extraData`. Other `extraData` keys are refused as invalid params.',
        ].join('\n'),
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
