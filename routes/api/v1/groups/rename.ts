import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { renameGroup } from '../../../../domain/groups/rename.js'
import { refusals } from '../../../../schemas/common.js'
import { RenameBodySchema, RenameResponseSchema } from '../../../../schemas/groups.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'
import { sendGroup } from './group-reply.js'
import { changeableGroup } from './lookup.js'
import { missingName, nameRefusals } from './names.js'

const renaming = describeRoute('groups.rename', [
  missingName(errors.bodyParamRequired),
  ...changeableGroup,
  errors.editingRoomNotAllowed,
  ...nameRefusals("the current name or another group's"),
])

const rename: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.rename',
    {
      config: { ...renaming.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...renaming.schema,
        ...authenticated,
        body: RenameBodySchema,
        response: { 200: RenameResponseSchema, ...renaming.refusals, ...refusals(401) },
      },
    },
    async (request, reply) =>
      sendGroup(reply, await renameGroup(app.db, request.actor, request.body, app.roomNamePattern)),
  )
}

export default rename
