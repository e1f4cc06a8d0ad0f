import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { createGroup } from '../../../../domain/groups/create.js'
import { badRequest, refusal, refusals, withExamples } from '../../../../schemas/common.js'
import { exampleNewGroup } from '../../../../schemas/examples.js'
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
          'Permission required: the global `create-p` (by default admin, user, bot and app).',
          '',
          'Refusals, in the order they are checked: a missing or blank `name` (`Body param "name" is required`, no errorType); no `create-p` (`error-not-allowed`); `extraData` asking for a feature this service does not have — `encrypted`, `broadcast` or `federated` set to `true`, or a non-empty `teamId` (`error-not-supported`); a name breaking the naming rule, by default `^[0-9a-zA-Z-_.]+$` (`error-invalid-room-name`); a name another group holds (`error-duplicate-channel-name`); a username (`error-duplicate-handle`); `excludeSelf` without any valid user in `members` (`error-invalid-members`). Keys the body does not define are `invalid-params`.',
          '',
          '`members` lists usernames to add, compared without case; unknown and deactivated users are skipped. The caller joins as the owner. With `excludeSelf` the caller does not join (unless listed in `members`) and the first valid user in `members` becomes the owner instead, so every group starts with an owner.',
          '',
          "`customFields` (an object of at most 50 keys) is stored and shown as `customFields`. `extraData` takes `topic`, `description`, `announcement`, `readOnly` and `customFields`; the top-level `readOnly` and `customFields` win over those in `extraData`. Rocket.Chat's clients also send `encrypted`, `broadcast`, `federated` and `teamId`: they are taken when they ask for nothing (`false`; `teamId` null or empty) and refused otherwise, as above. Other keys in `extraData` are ignored: neither stored nor refused. Creating writes no system message.",
        ].join('\n'),
        ...authenticated,
        body: CreateGroupBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, { group: exampleNewGroup, success: true }),
          400: badRequest(
            refusal(errors.duplicateChannelName('team-testing')),
            refusal(errors.invalidRoomName('team testing')),
            refusal(errors.notSupported('encrypted')),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => ({
      group: await createGroup(app.db, request.actor, request.body, app.roomNamePattern),
      success: true as const,
    }),
  )
}

export default create
