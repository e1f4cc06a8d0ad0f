import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { renameGroup } from '../../../../domain/groups/rename.js'
import { refusals } from '../../../../schemas/common.js'
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
          'Refusals, in the order they are checked: a missing or blank `name` (`The bodyParam "name" is required`); no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`); no `edit-room` (`error-action-not-allowed`); a name breaking the naming rule (`error-invalid-room-name`); the current name or another room\'s (`error-duplicate-channel-name`); a username (`error-duplicate-handle`).',
          '',
          'A rename writes an `r` system message, counted in `msgs`.',
        ].join('\n'),
        ...authenticated,
        body: RenameBodySchema,
        response: { 200: RenameResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      group: await renameGroup(app.db, request.actor, request.body, app.roomNamePattern),
      success: true as const,
    }),
  )
}

export default rename
