import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { deleteGroup, setGroupArchived, setGroupOpen } from '../../../../domain/groups/lifecycle.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import { RoomRefBodySchema } from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const lookupRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`)'

const routeSchema = (summary: string, description: string) => ({
  tags: ['Groups'],
  summary,
  description,
  ...authenticated,
  body: RoomRefBodySchema,
  response: { 200: SuccessSchema, ...refusals(400, 401) },
})

const done = { success: true as const }

const lifecycle: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.archive',
    {
      schema: routeSchema(
        'Archive a private group',
        `Permission required: \`archive-room\` in the group (its owners, and admins who are members). An archived group refuses leave, rename, invite and every setter with \`error-room-archived\`.\n\nRefusals, in order: ${lookupRefusals}; a group already archived (\`error-room-archived\`); no \`archive-room\` (\`error-not-authorized\`).\n\nWrites a \`room-archived\` system message.`,
      ),
    },
    async (request) => {
      await setGroupArchived(app.db, request.actor, request.body, true)
      return done
    },
  )

  app.post(
    '/groups.unarchive',
    {
      schema: routeSchema(
        'Unarchive a private group',
        `Permission required: \`unarchive-room\` in the group (by default admins who are members).\n\nRefusals, in order: ${lookupRefusals}; a group that is not archived (\`error-room-not-archived\`); no \`unarchive-room\` (\`error-not-authorized\`).\n\nWrites a \`room-unarchived\` system message.`,
      ),
    },
    async (request) => {
      await setGroupArchived(app.db, request.actor, request.body, false)
      return done
    },
  )

  app.post(
    '/groups.delete',
    {
      schema: routeSchema(
        'Delete a private group',
        `Permission required: \`delete-p\` in the group (its owners, and admins who are members). Archived groups can be deleted. The group goes with its members and messages; the audit log keeps a row naming it and its members.\n\nRefusals, in order: ${lookupRefusals}; no \`delete-p\` (\`error-not-allowed\`).`,
      ),
    },
    async (request) => {
      await deleteGroup(app.db, request.actor, request.body)
      return done
    },
  )

  app.post(
    '/groups.open',
    {
      schema: routeSchema(
        "Show a private group in the caller's list",
        `Members only, archived groups included; it changes only the caller's own \`groups.list\`.\n\nRefusals, in order: ${lookupRefusals}; a group already open for the caller (\`The private group, <name>, is already open for the sender\`, no errorType).`,
      ),
    },
    async (request) => {
      await setGroupOpen(app.db, request.actor, request.body, true)
      return done
    },
  )

  app.post(
    '/groups.close',
    {
      schema: routeSchema(
        "Hide a private group from the caller's list",
        `Members only, archived groups included; the caller stays a member, and \`groups.open\` shows the group again.\n\nRefusals, in order: ${lookupRefusals}; a group already closed to the caller (\`The private group, <name>, is already closed to the sender\`, no errorType).`,
      ),
    },
    async (request) => {
      await setGroupOpen(app.db, request.actor, request.body, false)
      return done
    },
  )
}

export default lifecycle
