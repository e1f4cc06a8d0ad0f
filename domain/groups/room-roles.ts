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
import { ApiError, errors } from '../errors.js'
import { allows, type PermissionGrants, permissionGrants } from '../permissions.js'
import { findGroupForMember, findTargetUser, type UserLookup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'

export type RoomRole = 'owner' | 'moderator' | 'leader'

const permissionFor: Record<RoomRole, string> = {
  owner: 'set-owner',
  moderator: 'set-moderator',
  leader: 'set-leader',
}

/** The role with its article, as Rocket.Chat's messages word it ("User is already an owner"). */
const roleWithArticle: Record<RoomRole, string> = {
  owner: 'an owner',
  moderator: 'a moderator',
  leader: 'a leader',
}

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
  const room = await findGroupForMember(trx, input, actor, { lock: true, refuseArchived: true })
  if (!allows(grants, actor, permissionFor[role], room.member_roles)) {
    throw errors.notAllowed()
  }
  const user = await findTargetUser(trx, input)
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
      throw new ApiError(`error-user-already-${role}`, `User is already ${roleWithArticle[role]}`)
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
      throw new ApiError(`error-user-not-${role}`, `User is not ${roleWithArticle[role]}`)
    }
    if (role === 'owner' && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw new ApiError(
        'error-remove-last-owner',
        'This is the last owner. Please set a new owner before removing this one.',
      )
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
  const room = await findGroupForMember(db, ref, actor)
  const holders = await listRoleHolders(db, room.id)
  return holders.map((holder) => ({
    _id: `${room.id}-${holder.id}`,
    rid: room.id,
    u: { _id: holder.id, username: holder.username },
    roles: holder.roles,
  }))
}

export async function listModerators(db: Db, actor: Actor, ref: RoomLookup) {
  const room = await findGroupForMember(db, ref, actor)
  const moderators = await listRoleHolders(db, room.id, 'moderator')
  return moderators.map((moderator) => ({ _id: moderator.id, username: moderator.username }))
}
