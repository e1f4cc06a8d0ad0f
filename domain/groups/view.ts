import type { Executor } from '../../db/executor.js'
import { listMemberUsernames } from '../../db/queries/members.js'
import type { Room } from '../../db/types.js'
import type { GroupSummaryView, GroupView } from '../../schemas/groups.js'

/** The optional settings, present in the body only once set. */
function settings(room: Room): Partial<GroupSummaryView> {
  return {
    ...(room.topic !== null ? { topic: room.topic } : {}),
    ...(room.description !== null ? { description: room.description } : {}),
    ...(room.purpose !== null ? { purpose: room.purpose } : {}),
    ...(room.announcement !== null ? { announcement: room.announcement } : {}),
    ...(Object.keys(room.custom_fields).length > 0 ? { customFields: room.custom_fields } : {}),
    ...(room.archived ? { archived: true } : {}),
  }
}

export function toGroupSummary(room: Room): GroupSummaryView {
  return {
    ...settings(room),
    _id: room.id,
    name: room.name,
    fname: room.fname,
    t: 'p',
    msgs: room.msgs,
    usersCount: room.users_count,
    u: { _id: room.creator_id, username: room.creator_username },
    ts: room.created_at.toISOString(),
    ro: room.read_only,
    sysMes: room.sys_mes,
    _updatedAt: room.updated_at.toISOString(),
  }
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
