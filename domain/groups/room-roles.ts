import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { applyGroupChange, memberByRef, ownerCount } from '../../db/queries/group-change.js'
import { listRoleHolders } from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type Permission, permissionGrants } from '../permissions.js'
import { changeGroup, requireMember, requireTarget } from './change.js'
import { requireJoinedGroup, type UserLookup } from './lookup.js'
import { systemMessageRows } from './system-messages.js'

export type RoomRole = 'owner' | 'moderator' | 'leader'

const permissionFor: Record<RoomRole, Permission> = {
  owner: 'set-owner',
  moderator: 'set-moderator',
  leader: 'set-leader',
}

/** The refusals of giving a role its holder has, and of taking one they lack. */
export const alreadyHolds = {
  owner: errors.userAlreadyOwner,
  moderator: errors.userAlreadyModerator,
  leader: errors.userAlreadyLeader,
} as const satisfies Record<RoomRole, unknown>
export const doesNotHold = {
  owner: errors.userNotOwner,
  moderator: errors.userNotModerator,
  leader: errors.userNotLeader,
} as const satisfies Record<RoomRole, unknown>

type RoleChange = RoomLookup & UserLookup

/** The endpoint's name, e.g. `groups.addOwner`, as the audit log records it. */
const auditAction = (change: 'add' | 'remove', role: RoomRole) =>
  `groups.${change}${role[0]?.toUpperCase()}${role.slice(1)}`

/**
 * Changes one member's room role: the caller needs the role's permission in the group, the
 * user must be a member, and `decide` refuses what the role change itself forbids.
 */
async function changeRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
  change: 'add' | 'remove',
) {
  const grants = await permissionGrants(db)
  await changeGroup(
    db,
    input,
    actor,
    (query) =>
      query.select([
        memberByRef(input).as('target'),
        ownerCount(sql<boolean>`${change === 'remove' && role === 'owner'}`).as('owners'),
      ]),
    async (trx, group) => {
      const room = requireMember(group, { refuseArchived: true })
      if (!allows(grants, actor, permissionFor[role], room.member_roles)) {
        throw errors.notAllowed()
      }
      const user = requireTarget(input, room.target)
      const roles = user.roles
      if (!roles) throw errors.userNotInRoom()
      if (change === 'add' && roles.includes(role)) throw alreadyHolds[role]()
      if (change === 'remove' && !roles.includes(role)) throw doesNotHold[role]()
      if (change === 'remove' && role === 'owner' && (room.owners ?? 0) <= 1) {
        throw errors.removeLastOwner()
      }
      const after = change === 'add' ? [...roles, role] : roles.filter((held) => held !== role)
      await applyGroupChange(trx, {
        roomId: room.id,
        members: { update: { userId: user.id, roles: after } },
        audit: [
          auditEntry(actor, {
            action: auditAction(change, role),
            roomId: room.id,
            before: { member: user.username, roles },
            after: { member: user.username, roles: after },
          }),
        ],
        messages: systemMessageRows(room.id, actor, [
          {
            type: change === 'add' ? 'subscription-role-added' : 'subscription-role-removed',
            msg: user.username,
            role,
          },
        ]),
      })
    },
  )
}

export async function addRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  await changeRoomRole(db, actor, input, role, 'add')
}

/** Takes a room role from a member; a group always keeps at least one owner. */
export async function removeRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  await changeRoomRole(db, actor, input, role, 'remove')
}

/** The members holding any room role, for the group's members. */
export async function listRoomRoles(db: Db, actor: Actor, ref: RoomLookup) {
  const room = await requireJoinedGroup(db, ref, actor)
  const holders = await listRoleHolders(db, room.id)
  return holders.map((holder) => ({
    _id: `${room.id}-${holder.id}`,
    rid: room.id,
    u: { _id: holder.id, username: holder.username },
    roles: holder.roles,
  }))
}

export async function listModerators(db: Db, actor: Actor, ref: RoomLookup) {
  const room = await requireJoinedGroup(db, ref, actor)
  const moderators = await listRoleHolders(db, room.id, 'moderator')
  return moderators.map((moderator) => ({ _id: moderator.id, username: moderator.username }))
}
