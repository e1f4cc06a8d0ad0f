import type { Db } from '../../db/database.js'
import { isInvalidRegex } from '../../db/queries/listing.js'
import { listMembers } from '../../db/queries/members.js'
import { countMessages, listMessages, listRoomMessages } from '../../db/queries/messages.js'
import {
  countAllGroups,
  countGroupsOfUser,
  listAllGroups,
  listGroupsOfUser,
  type RoomLookup,
} from '../../db/queries/rooms.js'
import type { Message } from '../../db/types.js'
import type { GroupView } from '../../schemas/groups.js'
import type { MessageView } from '../../schemas/messages.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import { invalidQuery, type ListParams, pageOf, parseSort, parseTextQuery } from './list-order.js'
import { findGroupForMember } from './lookup.js'
import { loadGroupView, toGroupSummary } from './view.js'

const groupSortFields = {
  name: 'name',
  fname: 'fname',
  ts: 'createdAt',
  _updatedAt: 'updatedAt',
  msgs: 'msgs',
  usersCount: 'usersCount',
} as const
const groupQueryFields = { name: 'name', fname: 'fname' } as const
const memberSortFields = { username: 'username', name: 'name' } as const
const messageSortFields = { ts: 'createdAt', _updatedAt: 'updatedAt' } as const
const messageQueryFields = {
  msg: 'msg',
  t: 'type',
  'u._id': 'userId',
  'u.username': 'username',
} as const

export async function groupInfo(db: Db, actor: Actor, ref: RoomLookup): Promise<GroupView> {
  return loadGroupView(db, await findGroupForMember(db, ref, actor))
}

export async function listOwnGroups(db: Db, actor: Actor, params: ListParams) {
  const page = pageOf(params)
  const order = parseSort(params.sort, groupSortFields, [{ key: 'name', direction: 'asc' }])
  const [rooms, total] = await Promise.all([
    listGroupsOfUser(db, actor.id, page, order),
    countGroupsOfUser(db, actor.id),
  ])
  return { groups: rooms.map(toGroupSummary), count: rooms.length, offset: page.offset, total }
}

/** Every private group, for those holding the global `view-room-administration`. */
export async function listEveryGroup(db: Db, actor: Actor, params: ListParams) {
  if (!(await hasPermission(db, actor, 'view-room-administration'))) throw errors.unauthorized()
  const page = pageOf(params)
  const order = parseSort(params.sort, groupSortFields, [{ key: 'name', direction: 'asc' }])
  const filters = parseTextQuery(params.query, groupQueryFields)
  try {
    const [rooms, total] = await Promise.all([
      listAllGroups(db, filters, page, order),
      countAllGroups(db, filters),
    ])
    return { groups: rooms.map(toGroupSummary), count: rooms.length, offset: page.offset, total }
  } catch (error) {
    if (isInvalidRegex(error)) throw invalidQuery(params.query ?? '')
    throw error
  }
}

export async function listGroupMembers(db: Db, actor: Actor, ref: RoomLookup, params: ListParams) {
  const room = await findGroupForMember(db, ref, actor, { refuseArchived: true })
  const page = pageOf(params)
  const order = parseSort(params.sort, memberSortFields, [{ key: 'username', direction: 'asc' }])
  const members = await listMembers(db, room.id, page, order)
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
  const room = await findGroupForMember(db, ref, actor, { refuseArchived: true })
  const page = pageOf(params)
  const order = parseSort(params.sort, messageSortFields, [{ key: 'createdAt', direction: 'desc' }])
  const filters = parseTextQuery(params.query, messageQueryFields)
  try {
    const [messages, total] = await Promise.all([
      listMessages(db, room.id, filters, page, order),
      countMessages(db, room.id, filters),
    ])
    return {
      messages: messages.map(toMessageView),
      count: messages.length,
      offset: page.offset,
      total,
    }
  } catch (error) {
    if (isInvalidRegex(error)) throw invalidQuery(params.query ?? '')
    throw error
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
  const room = await findGroupForMember(db, ref, actor)
  const messages = await listRoomMessages(db, room.id, {
    ...pageOf(params, 20),
    inclusive: params.inclusive ?? false,
    latest: params.latest ? new Date(params.latest) : undefined,
    oldest: params.oldest ? new Date(params.oldest) : undefined,
  })
  return messages.map(toMessageView)
}
