import type { Db } from '../../db/database.js'
import { listMembers } from '../../db/queries/members.js'
import { listRoomMessages } from '../../db/queries/messages.js'
import { countGroupsOfUser, listGroupsOfUser, type RoomLookup } from '../../db/queries/rooms.js'
import type { Message } from '../../db/types.js'
import type { GroupView } from '../../schemas/groups.js'
import type { MessageView } from '../../schemas/messages.js'
import type { Actor } from '../actor.js'
import { findGroupForMember } from './lookup.js'
import { loadGroupView, toGroupSummary } from './view.js'

export interface Page {
  offset: number
  count: number
}

export async function groupInfo(db: Db, actor: Actor, ref: RoomLookup): Promise<GroupView> {
  return loadGroupView(db, await findGroupForMember(db, ref, actor))
}

export async function listOwnGroups(db: Db, actor: Actor, page: Page) {
  const [rooms, total] = await Promise.all([
    listGroupsOfUser(db, actor.id, page),
    countGroupsOfUser(db, actor.id),
  ])
  return { groups: rooms.map(toGroupSummary), count: rooms.length, offset: page.offset, total }
}

export async function listGroupMembers(db: Db, actor: Actor, ref: RoomLookup, page: Page) {
  const room = await findGroupForMember(db, ref, actor)
  const members = await listMembers(db, room.id, page)
  return {
    members: members.map((m) => ({
      _id: m.id,
      username: m.username,
      name: m.name,
      status: m.status,
    })),
    count: members.length,
    offset: page.offset,
    total: room.users_count,
  }
}

export function toMessageView(message: Message): MessageView {
  return {
    _id: message.id,
    rid: message.room_id,
    msg: message.msg,
    ...(message.type ? { t: message.type, groupable: false } : {}),
    ...(message.role ? { role: message.role } : {}),
    ts: message.created_at.toISOString(),
    u: { _id: message.user_id, username: message.username },
    _updatedAt: message.updated_at.toISOString(),
  }
}

export interface HistoryWindow extends Page {
  latest?: string | undefined
  oldest?: string | undefined
  inclusive: boolean
}

/** The group's messages, newest first. */
export async function groupHistory(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  window: HistoryWindow,
): Promise<MessageView[]> {
  const room = await findGroupForMember(db, ref, actor)
  const messages = await listRoomMessages(db, room.id, {
    ...window,
    latest: window.latest ? new Date(window.latest) : undefined,
    oldest: window.oldest ? new Date(window.oldest) : undefined,
  })
  return messages.map(toMessageView)
}
