import type { Db } from '../../db/database.js'
import {
  findGroupById,
  listAllRoomMessages,
  listMembersWithRoles,
} from '../../db/queries/export.js'
import { errors } from '../errors.js'
import { toMessageView } from './read.js'
import { loadGroupView } from './view.js'

/**
 * A private group as it is at one moment, for an operator: the group, its members with their
 * room roles, and all its messages, oldest first. Archived groups are exported too.
 */
export async function exportGroup(db: Db, roomId: string) {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const room = await findGroupById(trx, roomId)
      if (!room) throw errors.noGroupWithId(roomId)
      const members = await listMembersWithRoles(trx, room.id)
      const messages = await listAllRoomMessages(trx, room.id)
      return {
        group: await loadGroupView(trx, room),
        members: members.map((member) => ({
          _id: member.id,
          username: member.username,
          name: member.name,
          roles: member.roles,
          joinedAt: member.created_at.toISOString(),
        })),
        messages: messages.map(toMessageView),
      }
    })
}
