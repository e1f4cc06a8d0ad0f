import type { Executor } from '../../db/executor.js'
import { findGroupWithMember, type RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'

export interface UserLookup {
  userId?: string | undefined
  username?: string | undefined
}

export function requireRoomRef(ref: RoomLookup): void {
  if (!ref.roomId && !ref.roomName) throw errors.roomParamNotProvided()
}

/**
 * The group as the actor sees it, or the refusal: no group named, none the actor is in, or
 * (when asked) an archived one. A group the actor is not in answers exactly like one that does
 * not exist, whatever the actor's global roles: private groups do not leak.
 */
export async function requireJoinedGroup(
  db: Executor,
  ref: RoomLookup,
  actor: Actor,
  options: { refuseArchived?: boolean } = {},
) {
  requireRoomRef(ref)
  const room = await findGroupWithMember(db, ref, actor.id)
  if (!room) throw errors.roomNotFound()
  if (options.refuseArchived && room.archived) throw errors.roomArchived(room.name)
  return room
}
