import type { Db } from '../../db/database.js'
import { countActiveMembers, findMembership } from '../../db/queries/members.js'
import { countUnreadMessages, newestMessageTime } from '../../db/queries/messages.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { CountersView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import { requireJoinedGroup } from './lookup.js'

/**
 * Rocket.Chat's counters of one member of a group: the caller, or with `userId` anyone (which
 * needs `view-room-administration`). `joined` is false for a user who is not in the group or has
 * closed it; their unread counters are then null, and the group's counters too unless the caller
 * holds `view-room-administration`.
 */
export async function groupCounters(
  db: Db,
  actor: Actor,
  input: RoomLookup & { userId?: string | undefined },
): Promise<CountersView> {
  const room = await requireJoinedGroup(db, input, actor, { refuseArchived: true })
  const access = await hasPermission(db, actor, 'view-room-administration')
  if (input.userId && !access) throw errors.forbidden()
  const userId = input.userId || actor.id

  const membership = await findMembership(db, room.id, userId)
  const joined = membership?.open === true
  const [unreads, members, newest] = await Promise.all([
    joined ? countUnreadMessages(db, room.id, userId) : null,
    joined || access ? countActiveMembers(db, room.id) : null,
    joined || access ? newestMessageTime(db, room.id) : null,
  ])
  const showRoom = joined || access
  return {
    joined,
    members,
    unreads,
    unreadsFrom: joined ? membership.last_seen_at.toISOString() : null,
    msgs: showRoom ? room.msgs : null,
    latest: showRoom ? (newest ?? room.updated_at).toISOString() : null,
    userMentions: joined ? 0 : null,
  }
}
