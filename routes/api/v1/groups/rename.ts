import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { renameGroup } from '../../../../domain/groups/rename.js'
import { badRequest, refusal, refusals } from '../../../../schemas/common.js'
import { RenameBodySchema, RenameResponseSchema } from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const rename: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.rename',
    {
      config: { missingParamMessage: (param) => `The bodyParam "${param}" is required` },
      schema: {
        tags: ['Groups'],
        summary: 'Rename a private group',
        description: [
          'Rename a private channel. Permission required: `edit-room` in the group (its owners and moderators, and admins who are members).',
          '',
          'Refusals, in the order they are checked: a missing or blank `name` (`The bodyParam "name" is required`, no errorType); no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`); an archived group (`error-room-archived`); no `edit-room` (`error-action-not-allowed`); a name breaking the naming rule, by default `^[0-9a-zA-Z-_.]+$` (`error-invalid-room-name`); the current name or another group\'s (`error-duplicate-channel-name`); a username (`error-duplicate-handle`).',
          '',
          "A rename sets `name` and `fname` and writes an `r` system message, counted in `msgs`. Read-only groups can be renamed. The 200 examples show this service's answer first, then Rocket.Chat's own (pick it under Examples), which predates `fname` and `usersCount`.",
        ].join('\n'),
        ...authenticated,
        body: RenameBodySchema,
        response: {
          200: RenameResponseSchema,
          // Rocket.Chat's reference examples.
          400: badRequest(
            refusal({ message: 'The bodyParam "name" is required' }),
            refusal(errors.roomParamNotProvided()),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => ({
      group: await renameGroup(app.db, request.actor, request.body, app.roomNamePattern),
      success: true as const,
    }),
  )
}

export default rename
