import type { Db } from '../../db/database.js'
import { countRoomRole, deleteMember } from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { requireJoinedGroup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'
import { loadGroupView } from './view.js'

/**
 * Takes the actor out of a group. The room row stays locked from the owner count to the
 * delete, so two owners leaving at once cannot both pass the last-owner check. The remaining
 * members' usernames are read once that is committed, outside the lock.
 */
export async function leaveGroup(db: Db, actor: Actor, ref: RoomLookup): Promise<GroupView> {
  const grants = await permissionGrants(db)
  const left = await db.transaction().execute(async (trx) => {
    const room = await requireJoinedGroup(trx, ref, actor, { lock: true, refuseArchived: true })
    if (!allows(grants, actor, 'leave-p')) throw errors.notAllowed()
    if (room.member_roles.includes('owner') && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw errors.lastOwner()
    }
    await deleteMember(trx, room.id, actor.id)
    await recordAudit(trx, actor, {
      action: 'groups.leave',
      roomId: room.id,
      before: { member: actor.username, roles: room.member_roles },
    })
    return recordSystemMessages(trx, room.id, actor, [{ type: 'ul', msg: actor.username }], {
      usersCount: -1,
    })
  })
  return loadGroupView(db, left)
}
