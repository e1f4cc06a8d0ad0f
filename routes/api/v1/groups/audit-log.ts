import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { listAuditLog } from '../../../../domain/groups/audit-log.js'
import { AuditLogQuerySchema, AuditLogResponseSchema } from '../../../../schemas/audit.js'
import { refusals } from '../../../../schemas/common.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'

/** Holders of `view-room-administration` name no group or any group; `sort` is checked for all. */
const auditLogRoute = describeRoute('groups.auditLog', [
  errors.roomParamNotProvided,
  [
    errors.roomNotFound,
    'a `roomName` no group holds, or, for a caller without `view-room-administration`, a `roomId` no group has or a group they are not in',
  ],
  [errors.forbidden, 'a group the caller is in without owning it'],
  errors.invalidSort,
])

const auditLog: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.auditLog',
    {
      config: auditLogRoute.config,
      schema: {
        ...auditLogRoute.schema,
        ...authenticated,
        querystring: AuditLogQuerySchema,
        response: { 200: AuditLogResponseSchema, ...auditLogRoute.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await listAuditLog(app.db, request.actor, request.query, request.query)),
      success: true as const,
    }),
  )
}

export default auditLog
