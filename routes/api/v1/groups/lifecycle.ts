import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { deleteGroup, setGroupArchived, setGroupOpen } from '../../../../domain/groups/lifecycle.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import { RoomRefBodySchema } from '../../../../schemas/groups.js'
import { describeRoute, type RouteDescription } from '../../../describe.js'
import { authenticated } from '../security.js'
import { groupLookup } from './lookup.js'

const archive = describeRoute('groups.archive', [
  ...groupLookup,
  [errors.roomArchived, 'a group already archived'],
  [errors.notAuthorized, 'no `archive-room`'],
])

const unarchive = describeRoute('groups.unarchive', [
  ...groupLookup,
  errors.roomNotArchived,
  [errors.notAuthorized, 'no `unarchive-room`'],
])

const remove = describeRoute('groups.delete', [
  ...groupLookup,
  [errors.notAllowed, 'no `delete-p`'],
])

const open = describeRoute('groups.open', [
  ...groupLookup,
  [errors.alreadyOpen, 'a group already open for the caller'],
])

const close = describeRoute('groups.close', [
  ...groupLookup,
  [errors.alreadyHidden, 'a group already closed to the caller'],
])

/** Every lifecycle route names the group in its body and answers only `success`. */
const options = ({ config, schema, refusals: refused }: RouteDescription) => ({
  config,
  schema: {
    ...schema,
    ...authenticated,
    body: RoomRefBodySchema,
    response: { 200: SuccessSchema, ...refused, ...refusals(401) },
  },
})

const done = { success: true as const }

const lifecycle: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/groups.archive', options(archive), async (request) => {
    await setGroupArchived(app.db, request.actor, request.body, true)
    return done
  })

  app.post('/groups.unarchive', options(unarchive), async (request) => {
    await setGroupArchived(app.db, request.actor, request.body, false)
    return done
  })

  app.post('/groups.delete', options(remove), async (request) => {
    await deleteGroup(app.db, request.actor, request.body)
    return done
  })

  app.post('/groups.open', options(open), async (request) => {
    await setGroupOpen(app.db, request.actor, request.body, true)
    return done
  })

  app.post('/groups.close', options(close), async (request) => {
    await setGroupOpen(app.db, request.actor, request.body, false)
    return done
  })
}

export default lifecycle
