import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import { type LockedGroupQuery, lockedGroup, takeGroupTurn } from '../../db/queries/group-change.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { UserTurns } from '../../db/queries/turns.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { requireRoomRef, type UserLookup } from './lookup.js'

interface Readable<R> {
  executeTakeFirst(): Promise<R | undefined>
}

/**
 * One change of a group, in one transaction holding the group's turn, and first the turns of
 * the users whose memberships it may change (`users`, see db/queries/turns.ts): the group is
 * locked and read with whatever else `read` adds to that statement (the caller's room roles
 * always; owner counts, the target user, name holders…), then `change` decides and writes. An
 * unknown group is refused like one the caller cannot see; `change` refuses the rest. `read`
 * is given the ids of the users whose turns were taken: a change of memberships touches no
 * one else.
 */
export async function changeGroup<R, T>(
  db: Db,
  ref: RoomLookup,
  actor: Actor,
  read: (query: LockedGroupQuery, turns: string[]) => Readable<R>,
  change: (trx: Executor, group: R) => Promise<T>,
  users?: UserTurns,
): Promise<T> {
  requireRoomRef(ref)
  return db.transaction().execute(async (trx) => {
    const turn = await takeGroupTurn(trx, ref, users)
    if (!turn) throw errors.roomNotFound()
    const name = ref.roomId !== undefined ? undefined : ref.roomName
    const locked = lockedGroup(trx, turn.id, name, actor.id)
    const group = await read(locked, turn.users).executeTakeFirst()
    if (!group) throw errors.roomNotFound()
    return change(trx, group)
  })
}

/** The group as requireJoinedGroup sees it: refused unless the caller is a member (and, when asked, unless it is live). */
export function requireMember<
  G extends { member_roles: string[] | null; archived: boolean; name: string },
>(group: G, options: { refuseArchived?: boolean } = {}): G & { member_roles: string[] } {
  if (group.member_roles === null) throw errors.roomNotFound()
  if (options.refuseArchived && group.archived) throw errors.roomArchived(group.name)
  return group as G & { member_roles: string[] }
}

/** The user a request names, as memberByRef read them with the group, or the refusal. */
export function requireTarget<U>(ref: UserLookup, target: U | null): U {
  if (!ref.userId && !ref.username) throw errors.userParamNotProvided()
  if (!target) throw errors.invalidUser()
  return target
}
