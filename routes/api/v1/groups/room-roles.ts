import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import {
  addRoomRole,
  alreadyHolds,
  doesNotHold,
  listModerators,
  listRoomRoles,
  type RoomRole,
  removeRoomRole,
} from '../../../../domain/groups/room-roles.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import { RoomRefQuerySchema, RoomUserBodySchema } from '../../../../schemas/groups.js'
import {
  ModeratorsResponseSchema,
  RoomRolesResponseSchema,
} from '../../../../schemas/room-roles.js'
import { describeRoute } from '../../../describe.js'
import { authenticated } from '../security.js'
import { changeableGroup, groupLookup } from './lookup.js'

const roleEndpoints = [
  { role: 'owner', name: 'Owner', permission: 'set-owner' },
  { role: 'moderator', name: 'Moderator', permission: 'set-moderator' },
  { role: 'leader', name: 'Leader', permission: 'set-leader' },
] as const satisfies readonly { role: RoomRole; name: string; permission: string }[]

/** Giving or taking a room role: the group, the permission, then the member it goes to. */
const roleChange = (permission: string) =>
  [
    ...changeableGroup,
    [errors.notAllowed, `no \`${permission}\``],
    errors.userParamNotProvided,
    errors.invalidUser,
    errors.userNotInRoom,
  ] as const

const lastOwner = [
  errors.removeLastOwner,
  "the group's last owner: a group always keeps an owner",
] as const

const roles = describeRoute('groups.roles', groupLookup)
const moderators = describeRoute('groups.moderators', groupLookup)

const roomRoles: FastifyPluginAsyncTypebox = async (app) => {
  for (const { role, name, permission } of roleEndpoints) {
    const add = describeRoute(`groups.add${name}`, [...roleChange(permission), alreadyHolds[role]])
    app.post(
      `/groups.add${name}`,
      {
        config: add.config,
        schema: {
          ...add.schema,
          ...authenticated,
          body: RoomUserBodySchema,
          response: { 200: SuccessSchema, ...add.refusals, ...refusals(401) },
        },
      },
      async (request) => {
        await addRoomRole(app.db, request.actor, request.body, role)
        return { success: true as const }
      },
    )

    const remove = describeRoute(`groups.remove${name}`, [
      ...roleChange(permission),
      doesNotHold[role],
      ...(role === 'owner' ? [lastOwner] : []),
    ])
    app.post(
      `/groups.remove${name}`,
      {
        config: remove.config,
        schema: {
          ...remove.schema,
          ...authenticated,
          body: RoomUserBodySchema,
          response: { 200: SuccessSchema, ...remove.refusals, ...refusals(401) },
        },
      },
      async (request) => {
        await removeRoomRole(app.db, request.actor, request.body, role)
        return { success: true as const }
      },
    )
  }

  app.get(
    '/groups.roles',
    {
      config: roles.config,
      schema: {
        ...roles.schema,
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: RoomRolesResponseSchema, ...roles.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      roles: await listRoomRoles(app.db, request.actor, request.query),
      success: true as const,
    }),
  )

  app.get(
    '/groups.moderators',
    {
      config: moderators.config,
      schema: {
        ...moderators.schema,
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: ModeratorsResponseSchema, ...moderators.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      moderators: await listModerators(app.db, request.actor, request.query),
      success: true as const,
    }),
  )
}

export default roomRoles
