import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { deleteGroup, setGroupArchived, setGroupOpen } from '../../../../domain/groups/lifecycle.js'
import {
  badRequest,
  type RefusalBody,
  refusal,
  refusals,
  SuccessSchema,
} from '../../../../schemas/common.js'
import { RoomRefBodySchema } from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const lookupRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`)'

const routeSchema = (summary: string, description: string, ...examples: RefusalBody[]) => ({
  tags: ['Groups'],
  summary,
  description,
  ...authenticated,
  body: RoomRefBodySchema,
  response: { 200: SuccessSchema, 400: badRequest(...examples), ...refusals(401) },
})

const done = { success: true as const }

const lifecycle: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.archive',
    {
      schema: routeSchema(
        'Archive a private group',
        `Permission required: \`archive-room\` in the group (its owners, and admins who are members). An archived group refuses every change (leave, rename, invite, kick, room roles, settings) with \`error-room-archived\`, and so do groups.members, groups.messages and groups.counters; groups.info, groups.history, groups.roles and groups.moderators still read it, and it can be opened, closed and deleted.\n\nRefusals, in the order they are checked: ${lookupRefusals}; a group already archived (\`error-room-archived\`); no \`archive-room\` (\`error-not-authorized\`).\n\nWrites a \`room-archived\` system message, counted in \`msgs\`.`,
        refusal(errors.roomArchived('team-testing')),
        refusal(errors.notAuthorized()),
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
        `Permission required: \`unarchive-room\` in the group (by default admins who are members).\n\nRefusals, in the order they are checked: ${lookupRefusals}; a group that is not archived (\`error-room-not-archived\`); no \`unarchive-room\` (\`error-not-authorized\`).\n\nWrites a \`room-unarchived\` system message, counted in \`msgs\`.`,
        refusal(errors.roomNotArchived('team-testing')),
        refusal(errors.notAuthorized()),
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
        `Permission required: \`delete-p\` in the group (its owners, and admins who are members). Archived groups can be deleted. The group goes with its members and messages; the audit log keeps a row naming it and its members.\n\nRefusals, in the order they are checked: ${lookupRefusals}; no \`delete-p\` (\`error-not-allowed\`).`,
        refusal(errors.roomNotFound()),
        refusal(errors.notAllowed()),
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
        `Members only, archived groups included; it changes only the caller's own \`groups.list\`.\n\nRefusals, in the order they are checked: ${lookupRefusals}; a group already open for the caller (\`The private group, <name>, is already open for the sender\`, no errorType).`,
        refusal({ message: 'The private group, team-testing, is already open for the sender' }),
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
        `Members only, archived groups included; the caller stays a member, and \`groups.open\` shows the group again.\n\nRefusals, in the order they are checked: ${lookupRefusals}; a group already closed to the caller (\`The private group, <name>, is already closed to the sender\`, no errorType).`,
        refusal({ message: 'The private group, team-testing, is already closed to the sender' }),
      ),
    },
    async (request) => {
      await setGroupOpen(app.db, request.actor, request.body, false)
      return done
    },
  )
}

export default lifecycle
