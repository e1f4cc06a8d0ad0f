import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import {
  addMemberRole,
  countRoomRole,
  findMemberRoles,
  listRoleHolders,
  removeMemberRole,
} from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type Permission, type PermissionGrants, permissionGrants } from '../permissions.js'
import { requireJoinedGroup, requireTargetUser, type UserLookup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'

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

/** The group and the member whose room role changes, once the actor may change it. */
async function findRoleChangeTarget(
  trx: Executor,
  grants: PermissionGrants,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
) {
  const room = await requireJoinedGroup(trx, input, actor, { lock: true, refuseArchived: true })
  if (!allows(grants, actor, permissionFor[role], room.member_roles)) {
    throw errors.notAllowed()
  }
  const user = await requireTargetUser(trx, input)
  const roles = await findMemberRoles(trx, room.id, user.id)
  if (!roles) throw errors.userNotInRoom()
  return { room, user, roles }
}

export async function addRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  const grants = await permissionGrants(db)
  await db.transaction().execute(async (trx) => {
    const { room, user, roles } = await findRoleChangeTarget(trx, grants, actor, input, role)
    if (roles.includes(role)) {
      throw alreadyHolds[role]()
    }
    await addMemberRole(trx, room.id, user.id, role)
    await recordAudit(trx, actor, {
      action: auditAction('add', role),
      roomId: room.id,
      before: { member: user.username, roles },
      after: { member: user.username, roles: [...roles, role] },
    })
    await recordSystemMessages(trx, room.id, actor, [
      { type: 'subscription-role-added', msg: user.username, role },
    ])
  })
}

/** Takes a room role from a member; a group always keeps at least one owner. */
export async function removeRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  const grants = await permissionGrants(db)
  await db.transaction().execute(async (trx) => {
    const { room, user, roles } = await findRoleChangeTarget(trx, grants, actor, input, role)
    if (!roles.includes(role)) {
      throw doesNotHold[role]()
    }
    if (role === 'owner' && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw errors.removeLastOwner()
    }
    await removeMemberRole(trx, room.id, user.id, role)
    await recordAudit(trx, actor, {
      action: auditAction('remove', role),
      roomId: room.id,
      before: { member: user.username, roles },
      after: { member: user.username, roles: roles.filter((held) => held !== role) },
    })
    await recordSystemMessages(trx, room.id, actor, [
      { type: 'subscription-role-removed', msg: user.username, role },
    ])
  })
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
