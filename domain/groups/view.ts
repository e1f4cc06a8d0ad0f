import type { Executor } from '../../db/executor.js'
import { listMemberUsernames } from '../../db/queries/members.js'
import type { Room } from '../../db/types.js'
import type { GroupSummaryView, GroupView } from '../../schemas/groups.js'

/**
 * A room as the API shows it. The optional settings come first and only once set, as they always
 * have (realtime documents are sent in this key order); the body is built key by key, with no
 * intermediate objects, since a list maps up to a page of rooms per request.
 */
export function toGroupSummary(room: Room): GroupSummaryView {
  const view: Partial<GroupSummaryView> = {}
  if (room.topic !== null) view.topic = room.topic
  if (room.description !== null) view.description = room.description
  if (room.purpose !== null) view.purpose = room.purpose
  if (room.announcement !== null) view.announcement = room.announcement
  if (Object.keys(room.custom_fields).length > 0) view.customFields = room.custom_fields
  if (room.archived) view.archived = true
  view._id = room.id
  view.name = room.name
  view.fname = room.fname
  view.t = 'p'
  view.msgs = room.msgs
  view.usersCount = room.users_count
  view.u = { _id: room.creator_id, username: room.creator_username }
  view.ts = room.created_at.toISOString()
  view.ro = room.read_only
  view.sysMes = room.sys_mes
  view._updatedAt = room.updated_at.toISOString()
  return view as GroupSummaryView
}

/**
 * JSON text built by the database (a group's usernames: up to thousands of entries), carried to
 * the response as it is: never parsed into an array only to be serialized again.
 */
export class JsonText<T> {
  declare readonly shape: T
  constructor(readonly text: string) {}

  parse(): T {
    return JSON.parse(this.text) as T
  }
}

/** The full group body, its usernames as the database wrote them. */
export interface GroupAnswer extends GroupSummaryView {
  usernames: JsonText<string[]>
}

export function toGroupAnswer(room: Room, usernamesJson: string | null): GroupAnswer {
  return { ...toGroupSummary(room), usernames: new JsonText(usernamesJson ?? '[]') }
}

/** The full group body, with the current members' usernames. */
export async function loadGroupView(db: Executor, room: Room): Promise<GroupView> {
  return { ...toGroupSummary(room), usernames: await listMemberUsernames(db, room.id) }
}
