import type { Db } from '../../db/database.js'
import { applyGroupChange, nameHolders } from '../../db/queries/group-change.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { changeGroup, requireMember } from './change.js'
import { requireRoomRef } from './lookup.js'
import { refuseHeldName, refuseNameShape } from './names.js'
import { systemMessageRows } from './system-messages.js'
import { type GroupAnswer, toGroupAnswer } from './view.js'

/**
 * Renames a group. Two renames to one name can race past the availability check; the unique
 * index on room names then refuses the second, which is reported like any duplicate.
 */
export async function renameGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & { name?: string | undefined },
  namePattern: RegExp,
): Promise<GroupAnswer> {
  const name = input.name?.trim() ?? ''
  if (!name) throw errors.bodyParamRequired('name')
  requireRoomRef(input)

  const grants = await permissionGrants(db)
  const holders = nameHolders(name)
  try {
    return await changeGroup(
      db,
      input,
      actor,
      (query) =>
        query.select([
          holders.nameHeldByRoom.as('name_held_by_room'),
          holders.nameHeldByUser.as('name_held_by_user'),
        ]),
      async (trx, group) => {
        const room = requireMember(group, { refuseArchived: true })
        if (!allows(grants, actor, 'edit-room', room.member_roles)) {
          throw errors.editingRoomNotAllowed()
        }
        refuseNameShape(name, namePattern, room.name)
        refuseHeldName(name, { room: room.name_held_by_room, user: room.name_held_by_user })
        const renamed = await applyGroupChange(trx, {
          roomId: room.id,
          name,
          audit: [
            auditEntry(actor, {
              action: 'groups.rename',
              roomId: room.id,
              before: { name: room.name },
              after: { name },
            }),
          ],
          messages: systemMessageRows(room.id, actor, [{ type: 'r', msg: name }]),
          usernames: true,
        })
        return toGroupAnswer(renamed, renamed.usernames)
      },
    )
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
}
