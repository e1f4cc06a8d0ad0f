import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { applyGroupChange, ownerCount } from '../../db/queries/group-change.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { changeGroup, requireMember } from './change.js'
import { systemMessageRows } from './system-messages.js'
import { type GroupAnswer, toGroupAnswer } from './view.js'

/**
 * Takes the actor out of a group. The group stays locked from the owner count to the delete,
 * so two owners leaving at once cannot both pass the last-owner check.
 */
export async function leaveGroup(db: Db, actor: Actor, ref: RoomLookup): Promise<GroupAnswer> {
  const grants = await permissionGrants(db)
  return changeGroup(
    db,
    ref,
    actor,
    (query) => query.select(ownerCount(sql`'owner' = any(me.roles)`).as('owners')),
    async (trx, group) => {
      const room = requireMember(group, { refuseArchived: true })
      if (!allows(grants, actor, 'leave-p')) throw errors.notAllowed()
      if (room.member_roles.includes('owner') && (room.owners ?? 0) <= 1) {
        throw errors.lastOwner()
      }
      const left = await applyGroupChange(trx, {
        roomId: room.id,
        members: { remove: { userId: actor.id } },
        usersCount: -1,
        audit: [
          auditEntry(actor, {
            action: 'groups.leave',
            roomId: room.id,
            before: { member: actor.username, roles: room.member_roles },
          }),
        ],
        messages: systemMessageRows(room.id, actor, [{ type: 'ul', msg: actor.username }]),
        usernames: true,
      })
      return toGroupAnswer(left, left.usernames)
    },
    { ids: [actor.id] },
  )
}
