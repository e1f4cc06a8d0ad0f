import type { Db } from '../../db/database.js'
import { listMemberUsernames, setMemberOpen } from '../../db/queries/members.js'
import { updateRoomSettings } from '../../db/queries/room-settings.js'
import { deleteRoom, type RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { requireJoinedGroup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'

/**
 * Archives or unarchives a group. Archiving an archived group is refused by the lookup
 * (`error-room-archived`), unarchiving a live one by `error-room-not-archived`; both come
 * before the permission, as the archived check does in Rocket.Chat.
 */
export async function setGroupArchived(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  archived: boolean,
): Promise<void> {
  const grants = await permissionGrants(db)
  await db.transaction().execute(async (trx) => {
    const room = await requireJoinedGroup(trx, ref, actor, { lock: true, refuseArchived: archived })
    if (!archived && !room.archived) throw errors.roomNotArchived(room.name)
    const permission = archived ? 'archive-room' : 'unarchive-room'
    if (!allows(grants, actor, permission, room.member_roles)) {
      throw errors.notAuthorized()
    }
    await updateRoomSettings(trx, room.id, { archived })
    await recordAudit(trx, actor, {
      action: archived ? 'groups.archive' : 'groups.unarchive',
      roomId: room.id,
      before: { archived: room.archived },
      after: { archived },
    })
    const type = archived ? 'room-archived' : 'room-unarchived'
    await recordSystemMessages(trx, room.id, actor, [{ type, msg: '' }])
  })
}

/**
 * Deletes a group, archived or not, with its members and messages. The audit row keeps the
 * room's id, name and members, since nothing else of the group remains.
 */
export async function deleteGroup(db: Db, actor: Actor, ref: RoomLookup): Promise<void> {
  const grants = await permissionGrants(db)
  await db.transaction().execute(async (trx) => {
    const room = await requireJoinedGroup(trx, ref, actor, { lock: true })
    if (!allows(grants, actor, 'delete-p', room.member_roles)) {
      throw errors.notAllowed()
    }
    await recordAudit(trx, actor, {
      action: 'groups.delete',
      roomId: room.id,
      before: { name: room.name, members: await listMemberUsernames(trx, room.id) },
    })
    await deleteRoom(trx, room.id)
  })
}

/**
 * Shows (`open`) or hides the group in the caller's own `groups.list`; a preference of the
 * member, so it needs no permission and works on archived groups too.
 */
export async function setGroupOpen(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  open: boolean,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Locked like every change of a membership, so the log has them in the order they happened.
    const room = await requireJoinedGroup(trx, ref, actor, { lock: true })
    if (!(await setMemberOpen(trx, room.id, actor.id, open))) {
      throw open ? errors.alreadyOpen(room.name) : errors.alreadyHidden(room.name)
    }
    await recordAudit(trx, actor, {
      action: open ? 'groups.open' : 'groups.close',
      roomId: room.id,
      before: { member: actor.username, open: !open },
      after: { member: actor.username, open },
    })
  })
}
