import type { Db } from '../../db/database.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Room } from '../../db/types.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, permissionGrants } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { requireJoinedGroup, requireRoomRef } from './lookup.js'
import { assertNameAvailable } from './names.js'
import { recordSystemMessages } from './system-messages.js'
import { loadGroupView } from './view.js'

/**
 * Renames a group. Two renames to one name can race past the availability check; the unique
 * index on room names then refuses the second, which is reported like any duplicate. The
 * members' usernames are read once the rename is committed, so a large group holds its row
 * lock no longer than a small one.
 */
export async function renameGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & { name?: string | undefined },
  namePattern: RegExp,
): Promise<GroupView> {
  const name = input.name?.trim() ?? ''
  if (!name) throw errors.bodyParamRequired('name')
  requireRoomRef(input)

  const grants = await permissionGrants(db)
  let renamed: Room
  try {
    renamed = await db.transaction().execute(async (trx) => {
      const room = await requireJoinedGroup(trx, input, actor, {
        lock: true,
        refuseArchived: true,
      })
      if (!allows(grants, actor, 'edit-room', room.member_roles)) {
        throw errors.editingRoomNotAllowed()
      }
      await assertNameAvailable(trx, name, namePattern, room.name)
      await recordAudit(trx, actor, {
        action: 'groups.rename',
        roomId: room.id,
        before: { name: room.name },
        after: { name },
      })
      return recordSystemMessages(trx, room.id, actor, [{ type: 'r', msg: name }], { name })
    })
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
  return loadGroupView(db, renamed)
}
