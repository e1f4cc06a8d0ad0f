import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import {
  applyGroupChange,
  applyMemberChange,
  deleteGroupWithAudit,
} from '../../db/queries/group-change.js'
import { memberUsernamesJson } from '../../db/queries/member-usernames.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { changeGroup, requireMember } from './change.js'
import { systemMessageRows } from './system-messages.js'
import { JsonText } from './view.js'

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
  await changeGroup(
    db,
    ref,
    actor,
    (query) => query,
    async (trx, group) => {
      const room = requireMember(group, { refuseArchived: archived })
      if (!archived && !room.archived) throw errors.roomNotArchived(room.name)
      const permission = archived ? 'archive-room' : 'unarchive-room'
      if (!allows(grants, actor, permission, room.member_roles)) {
        throw errors.notAuthorized()
      }
      const type = archived ? 'room-archived' : 'room-unarchived'
      await applyGroupChange(trx, {
        roomId: room.id,
        settings: { archived },
        audit: [
          auditEntry(actor, {
            action: archived ? 'groups.archive' : 'groups.unarchive',
            roomId: room.id,
            before: { archived: room.archived },
            after: { archived },
          }),
        ],
        messages: systemMessageRows(room.id, actor, [{ type, msg: '' }]),
      })
    },
  )
}

/**
 * Deletes a group, archived or not, with its members and messages. The audit row keeps the
 * room's id, name and members, since nothing else of the group remains.
 */
export async function deleteGroup(db: Db, actor: Actor, ref: RoomLookup): Promise<void> {
  const grants = await permissionGrants(db)
  await changeGroup(
    db,
    ref,
    actor,
    (query) => query.select(memberUsernamesJson(sql.ref('rooms.id')).as('usernames')),
    async (trx, group) => {
      const room = requireMember(group)
      if (!allows(grants, actor, 'delete-p', room.member_roles)) {
        throw errors.notAllowed()
      }
      const members = new JsonText<string[]>(room.usernames).parse()
      await deleteGroupWithAudit(
        trx,
        room.id,
        auditEntry(actor, {
          action: 'groups.delete',
          roomId: room.id,
          before: { name: room.name, members },
        }),
      )
    },
    // Its members' turns, as their memberships go with the group (one who joins while this
    // waits for the group's turn joined under that turn, so is logged before the removal).
    { members: true },
  )
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
  // Under the group's turn like every change of a membership, so the log has them in order.
  await changeGroup(
    db,
    ref,
    actor,
    (query) => query.select('me.open as member_open'),
    async (trx, group) => {
      const room = requireMember(group)
      if (room.member_open === open) {
        throw open ? errors.alreadyOpen(room.name) : errors.alreadyHidden(room.name)
      }
      await applyMemberChange(trx, {
        roomId: room.id,
        userId: actor.id,
        open,
        audit: auditEntry(actor, {
          action: open ? 'groups.open' : 'groups.close',
          roomId: room.id,
          before: { member: actor.username, open: !open },
          after: { member: actor.username, open },
        }),
      })
    },
  )
}
