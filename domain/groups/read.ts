import type { Db } from '../../db/database.js'
import { findGroupWithMemberPage, type MemberOrderKey } from '../../db/queries/members.js'
import {
  countMessages,
  listMessages,
  listRoomMessages,
  type MessageFilterField,
  type MessageOrderKey,
} from '../../db/queries/messages.js'
import {
  countAllGroups,
  countGroupsOfUser,
  findGroupWithUsernames,
  listAllGroups,
  listGroupsOfUser,
  type RoomFilterField,
  type RoomLookup,
  type RoomOrderKey,
} from '../../db/queries/rooms.js'
import type { Message } from '../../db/types.js'
import type { MessageView } from '../../schemas/messages.js'
import type { Actor } from '../actor.js'
import { timeParam } from '../dates.js'
import { errors } from '../errors.js'
import {
  type ListParams,
  type ListShape,
  pageOf,
  parseListParams,
  withQueryChecked,
} from '../list-params.js'
import { hasPermission } from '../permissions.js'
import { requireJoinedGroup, requireRoomRef } from './lookup.js'
import { type GroupAnswer, toGroupAnswer, toGroupSummary } from './view.js'

const ownGroupList: ListShape<RoomOrderKey> = {
  sort: {
    name: 'name',
    fname: 'fname',
    ts: 'createdAt',
    _updatedAt: 'updatedAt',
    msgs: 'msgs',
    usersCount: 'usersCount',
  },
  defaultSort: [{ field: 'name', direction: 'asc' }],
}
const groupList: ListShape<RoomOrderKey, RoomFilterField> = {
  ...ownGroupList,
  query: { name: { field: 'name', type: 'string' }, fname: { field: 'fname', type: 'string' } },
}
const memberList: ListShape<MemberOrderKey> = {
  sort: { username: 'username', name: 'name' },
  defaultSort: [{ field: 'username', direction: 'asc' }],
}
const messageList: ListShape<MessageOrderKey, MessageFilterField> = {
  sort: { ts: 'createdAt', _updatedAt: 'updatedAt' },
  defaultSort: [{ field: 'createdAt', direction: 'desc' }],
  query: {
    msg: { field: 'msg', type: 'string' },
    t: { field: 'type', type: 'string' },
    'u._id': { field: 'userId', type: 'string' },
    'u.username': { field: 'username', type: 'string' },
  },
}

/** The group with its members' usernames: one statement. */
export async function groupInfo(db: Db, actor: Actor, ref: RoomLookup): Promise<GroupAnswer> {
  requireRoomRef(ref)
  const room = await findGroupWithUsernames(db, ref, actor.id)
  if (!room) throw errors.roomNotFound()
  return toGroupAnswer(room, room.usernames)
}

/** A page of the caller's open groups with their total: one statement, unless past the end. */
export async function listOwnGroups(db: Db, actor: Actor, params: ListParams) {
  const { page, sort } = parseListParams(params, ownGroupList)
  const rooms = await listGroupsOfUser(db, actor.id, page, sort)
  const total = rooms[0]?.total ?? (page.offset > 0 ? await countGroupsOfUser(db, actor.id) : 0)
  return { groups: rooms.map(toGroupSummary), count: rooms.length, offset: page.offset, total }
}

/** Every private group, for those holding the global `view-room-administration`. */
export async function listEveryGroup(db: Db, actor: Actor, params: ListParams) {
  if (!(await hasPermission(db, actor, 'view-room-administration'))) throw errors.forbidden()
  const { page, sort, filter } = parseListParams(params, groupList)
  const [rooms, total] = await withQueryChecked(params.query, () =>
    Promise.all([listAllGroups(db, filter, page, sort), countAllGroups(db, filter)]),
  )
  return { groups: rooms.map(toGroupSummary), count: rooms.length, offset: page.offset, total }
}

/** Bad list parameters are refused after the group's own refusals (not found, archived). */
async function memberListParams(db: Db, actor: Actor, ref: RoomLookup, params: ListParams) {
  try {
    return parseListParams(params, memberList)
  } catch (error) {
    await requireJoinedGroup(db, ref, actor, { refuseArchived: true })
    throw error
  }
}

/** A page of the group's members, with the membership check, in one statement. */
export async function listGroupMembers(db: Db, actor: Actor, ref: RoomLookup, params: ListParams) {
  requireRoomRef(ref)
  const { page, sort } = await memberListParams(db, actor, ref, params)
  const room = await findGroupWithMemberPage(db, ref, actor.id, page, sort)
  if (!room) throw errors.roomNotFound()
  if (room.archived) throw errors.roomArchived(room.name)
  const { members } = room
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

/** The group's messages, newest first unless `sort` says otherwise, with their total. */
export async function groupMessages(db: Db, actor: Actor, ref: RoomLookup, params: ListParams) {
  const room = await requireJoinedGroup(db, ref, actor, { refuseArchived: true })
  const { page, sort, filter } = parseListParams(params, messageList)
  const [messages, total] = await withQueryChecked(params.query, () =>
    Promise.all([
      listMessages(db, room.id, filter, page, sort),
      countMessages(db, room.id, filter),
    ]),
  )
  return {
    messages: messages.map(toMessageView),
    count: messages.length,
    offset: page.offset,
    total,
  }
}

export interface HistoryParams {
  latest?: string | undefined
  oldest?: string | undefined
  inclusive?: boolean | undefined
  offset?: number | undefined
  count?: number | undefined
}

/** The group's messages, newest first, between `oldest` and `latest`; 20 unless `count` says. */
export async function groupHistory(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  params: HistoryParams,
): Promise<MessageView[]> {
  const latest = timeParam('latest', params.latest)
  const oldest = timeParam('oldest', params.oldest)
  const room = await requireJoinedGroup(db, ref, actor)
  const messages = await listRoomMessages(db, room.id, {
    ...pageOf(params, 20),
    inclusive: params.inclusive ?? false,
    latest,
    oldest,
  })
  return messages.map(toMessageView)
}
