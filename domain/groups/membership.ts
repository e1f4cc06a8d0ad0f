import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import {
  countRoomRole,
  deleteMember,
  findMemberRoles,
  insertMembers,
} from '../../db/queries/members.js'
import { findGroupByRef, findGroupWithMember, type RoomLookup } from '../../db/queries/rooms.js'
import { findUsersByIdsOrUsernames } from '../../db/queries/users.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type Permission, type PermissionGrants, permissionGrants } from '../permissions.js'
import { requireRoomRef, requireTargetUser, type UserLookup } from './lookup.js'
import { inRequestedOrder } from './requested-order.js'
import { recordSystemMessages } from './system-messages.js'
import { loadGroupView } from './view.js'

export interface InviteInput extends RoomLookup, UserLookup {
  userIds?: string[] | undefined
  usernames?: string[] | undefined
}

interface ManagePermissions {
  /** Checked with the caller's room roles when the caller is a member. */
  inRoom: Permission
  /** Global; lets a caller act on any group, also one they are not in. */
  anyGroup: Permission
}

/**
 * The group, locked, once the caller may manage its members: a member through the room
 * permission (or the global one), a non-member only through the global one. Anyone else gets
 * `error-room-not-found`, so groups do not leak.
 */
async function findGroupToManage(
  trx: Executor,
  grants: PermissionGrants,
  ref: RoomLookup,
  actor: Actor,
  permissions: ManagePermissions,
) {
  requireRoomRef(ref)
  const joined = await findGroupWithMember(trx, ref, actor.id, { lock: true })
  const mayActAnywhere = allows(grants, actor, permissions.anyGroup)
  const room =
    joined ?? (mayActAnywhere ? await findGroupByRef(trx, ref, { lock: true }) : undefined)
  if (!room) throw errors.roomNotFound()
  if (room.archived) throw errors.roomArchived(room.name)
  if (
    joined &&
    !allows(grants, actor, permissions.inRoom, joined.member_roles) &&
    !mayActAnywhere
  ) {
    throw errors.notAllowed()
  }
  return room
}

/** The active users an invitation names; `userId` wins over `username`, as for one user. */
async function findInvitees(trx: Executor, input: InviteInput) {
  const ids = [...(input.userIds ?? [])]
  const usernames = [...(input.usernames ?? [])]
  if (input.userId) ids.unshift(input.userId)
  else if (input.username) usernames.unshift(input.username)
  const named = { ids: ids.filter(Boolean), usernames: usernames.filter(Boolean) }
  if (named.ids.length === 0 && named.usernames.length === 0) throw errors.userParamNotProvided()
  const users = await findUsersByIdsOrUsernames(trx, named.ids, named.usernames)
  if (users.length === 0) {
    throw errors.emptyInviteList()
  }
  return inRequestedOrder(users, named)
}

/**
 * Adds users to a group, one `au` message each; users already in it stay as they are. The
 * members' usernames are read once that is committed, outside the room's lock.
 */
export async function inviteToGroup(db: Db, actor: Actor, input: InviteInput): Promise<GroupView> {
  const grants = await permissionGrants(db)
  const invited = await db.transaction().execute(async (trx) => {
    const room = await findGroupToManage(trx, grants, input, actor, {
      inRoom: 'add-user-to-joined-room',
      anyGroup: 'add-user-to-any-p-room',
    })
    const users = await findInvitees(trx, input)
    const inserted = await insertMembers(
      trx,
      room.id,
      users.map((user) => ({ userId: user.id, roles: [] })),
    )
    const added = new Set(inserted.map((row) => row.user_id))
    const newcomers = users.filter((user) => added.has(user.id))
    if (newcomers.length === 0) return room
    for (const user of newcomers) {
      await recordAudit(trx, actor, {
        action: 'groups.invite',
        roomId: room.id,
        after: { member: user.username },
      })
    }
    return recordSystemMessages(
      trx,
      room.id,
      actor,
      newcomers.map((user) => ({ type: 'au', msg: user.username })),
      { usersCount: newcomers.length },
    )
  })
  return loadGroupView(db, invited)
}

const KICK: ManagePermissions = { inRoom: 'remove-user', anyGroup: 'kick-user-from-any-p-room' }

/**
 * Removes another user from a group; the group's last owner cannot be removed. A holder of
 * `kick-user-from-any-p-room` skips the check that the user is a member, as in Rocket.Chat:
 * kicking someone who is not in the group succeeds and changes nothing.
 */
export async function kickFromGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & UserLookup,
): Promise<void> {
  const grants = await permissionGrants(db)
  await db.transaction().execute(async (trx) => {
    const room = await findGroupToManage(trx, grants, input, actor, KICK)
    const user = await requireTargetUser(trx, input)
    const roles = await findMemberRoles(trx, room.id, user.id)
    if (!roles) {
      if (allows(grants, actor, KICK.anyGroup)) return
      throw errors.userNotInRoom()
    }
    if (roles.includes('owner') && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw errors.lastOwner()
    }
    await deleteMember(trx, room.id, user.id)
    await recordAudit(trx, actor, {
      action: 'groups.kick',
      roomId: room.id,
      before: { member: user.username, roles },
    })
    await recordSystemMessages(trx, room.id, actor, [{ type: 'ru', msg: user.username }], {
      usersCount: -1,
    })
  })
}
