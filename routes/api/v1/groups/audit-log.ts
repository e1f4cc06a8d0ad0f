import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { listAuditLog } from '../../../../domain/groups/audit-log.js'
import { AuditLogQuerySchema, AuditLogResponseSchema } from '../../../../schemas/audit.js'
import { badRequest, refusal, refusals } from '../../../../schemas/common.js'
import { authenticated } from '../security.js'

const auditLog: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.auditLog',
    {
      schema: {
        tags: ['Groups'],
        summary: "A private group's audit trail",
        description: [
          'Every change to a group (create, invite, kick, leave, rename, role and setting changes, archive, delete…), with who made it, when, and the values before and after; oldest first unless `sort` is `{"ts":-1}`. `offset` defaults to 0, `count` to 50 (above 100 is cut to 100).',
          '',
          "Holders of the global `view-room-administration` (admins) read any group's entries, also of a group they are not in, and of a deleted group by its `roomId`; without `roomId`/`roomName` they read the whole log, permission changes included. Anyone else must name a group they hold the `owner` room role in.",
          '',
          'Refusals, in the order they are checked: for holders of `view-room-administration`, a `roomName` no group holds (`error-room-not-found`; an unknown `roomId` gives an empty page); for anyone else, no `roomId`/`roomName` (`error-room-param-not-provided`), a group that does not exist or that the caller is not in (`error-room-not-found`), and a group the caller is in without owning it (403 `error-unauthorized`); then, for everyone, a bad `sort` (`error-invalid-sort`).',
        ].join('\n'),
        ...authenticated,
        querystring: AuditLogQuerySchema,
        response: {
          200: AuditLogResponseSchema,
          400: badRequest(refusal(errors.roomNotFound()), refusal(errors.roomParamNotProvided())),
          ...refusals(401, 403),
        },
      },
    },
    async (request) => ({
      ...(await listAuditLog(app.db, request.actor, request.query, request.query)),
      success: true as const,
    }),
  )
}

export default auditLog
