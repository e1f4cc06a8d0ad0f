import type { Db } from '../../db/database.js'
import { findGroupWithMember } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import type { Presence } from '../realtime/presence.js'

/** `groups.online` names its group by `_id`, or by `query`, a JSON object holding `_id`. */
export interface OnlineParams {
  _id?: string | undefined
  query?: string | undefined
}

/**
 * The `_id` of a `query`: undefined for none or `{}`. Rocket.Chat takes any MongoDB filter on
 * the room here; this service takes `_id` alone, and anything else is `error-invalid-query`.
 */
function idInQuery(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  let query: unknown
  try {
    query = JSON.parse(raw)
  } catch {
    throw errors.invalidQuery(raw)
  }
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw errors.invalidQuery(raw)
  }
  const keys = Object.keys(query)
  if (keys.length === 0) return undefined
  const id: unknown = (query as Record<string, unknown>)._id
  if (keys.length > 1 || typeof id !== 'string') throw errors.invalidQuery(raw)
  return id
}

/**
 * The group's members who are online, by username. `_id` wins over `query`, which is read
 * first all the same, as Rocket.Chat does. A group the caller is not in answers exactly like
 * one that does not exist.
 */
export async function onlineGroupMembers(
  db: Db,
  presence: Presence,
  actor: Actor,
  params: OnlineParams,
) {
  const fromQuery = idInQuery(params.query)
  const roomId = params._id || fromQuery
  if (roomId === undefined) throw errors.groupQueryMissing()
  const room = await findGroupWithMember(db, { roomId }, actor.id)
  if (!room) throw errors.groupNotAccessible()
  return presence.onlineMembers(room.id)
}
