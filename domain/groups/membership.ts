import type { Db } from '../../db/database.js'
import {
  countRoomRole,
  deleteMember,
  findMemberRoles,
  insertMembers,
} from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import { findGroupForMember, findTargetUser, type UserLookup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'
import { loadGroupView } from './view.js'

/** Adds a user to a group; inviting a member again changes nothing. */
export async function inviteToGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & UserLookup,
): Promise<GroupView> {
  return db.transaction().execute(async (trx) => {
    const room = await findGroupForMember(trx, input, actor, { lock: true })
    const allowed =
      (await hasPermission(trx, actor, 'add-user-to-joined-room', room.member_roles)) ||
      (await hasPermission(trx, actor, 'add-user-to-any-p-room'))
    if (!allowed) throw errors.notAllowed()
    const user = await findTargetUser(trx, input)
    const added = await insertMembers(trx, room.id, [{ userId: user.id, roles: [] }])
    if (added.length === 0) return loadGroupView(trx, room)
    const updated = await recordSystemMessages(
      trx,
      room.id,
      actor,
      [{ type: 'au', msg: user.username }],
      { usersCount: 1 },
    )
    return loadGroupView(trx, updated)
  })
}

/** Removes another user from a group; the group's last owner cannot be removed. */
export async function kickFromGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & UserLookup,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const room = await findGroupForMember(trx, input, actor, { lock: true })
    if (!(await hasPermission(trx, actor, 'remove-user', room.member_roles))) {
      throw errors.notAllowed()
    }
    const user = await findTargetUser(trx, input)
    const roles = await findMemberRoles(trx, room.id, user.id)
    if (!roles) throw errors.userNotInRoom()
    if (roles.includes('owner') && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw errors.lastOwner()
    }
    await deleteMember(trx, room.id, user.id)
    await recordSystemMessages(trx, room.id, actor, [{ type: 'ru', msg: user.username }], {
      usersCount: -1,
    })
  })
}
