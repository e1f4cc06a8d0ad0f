import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { NewRoom } from '../types.js'
import { type OrderBy, type Page, type TextFilter, textCondition } from './listing.js'

export interface RoomLookup {
  roomId?: string | undefined
  roomName?: string | undefined
}

/**
 * A private group together with one user's membership roles, or nothing when the group does
 * not exist or the user is not in it. With `lock`, the room row stays locked until the
 * transaction ends, so membership changes of one room happen one after another. The lock is
 * taken by a statement of its own: the membership is then read by a new statement, which sees
 * what the transactions we waited for committed (a locking join would re-check the room row
 * only, and could return a membership that was just deleted).
 */
export async function findGroupWithMember(
  db: Executor,
  lookup: RoomLookup,
  userId: string,
  options: { lock?: boolean } = {},
) {
  if (options.lock) {
    let lock = db.selectFrom('rooms').select('id').where('type', '=', 'p')
    lock = lookup.roomId
      ? lock.where('id', '=', lookup.roomId)
      : lock.where('name', '=', lookup.roomName ?? '')
    const locked = await lock.forUpdate().executeTakeFirst()
    if (!locked) return undefined
    lookup = { roomId: locked.id }
  }
  let query = db
    .selectFrom('rooms')
    .innerJoin('room_members', (join) =>
      join.onRef('room_members.room_id', '=', 'rooms.id').on('room_members.user_id', '=', userId),
    )
    .selectAll('rooms')
    .select('room_members.roles as member_roles')
    .where('rooms.type', '=', 'p')
  query = lookup.roomId
    ? query.where('rooms.id', '=', lookup.roomId)
    : query.where('rooms.name', '=', lookup.roomName ?? '')
  return query.executeTakeFirst()
}

/**
 * A private group whoever asks, for callers a global permission lets act on any group (e.g.
 * `add-user-to-any-p-room`); everyone else finds groups through their membership.
 */
export async function findGroupByRef(
  db: Executor,
  lookup: RoomLookup,
  options: { lock?: boolean } = {},
) {
  let query = db.selectFrom('rooms').selectAll().where('type', '=', 'p')
  query = lookup.roomId
    ? query.where('id', '=', lookup.roomId)
    : query.where('name', '=', lookup.roomName ?? '')
  if (options.lock) query = query.forUpdate()
  return query.executeTakeFirst()
}

export async function insertRoom(db: Executor, room: NewRoom) {
  return db.insertInto('rooms').values(room).returningAll().executeTakeFirstOrThrow()
}

/** Deletes a room; its members and messages go with it (their foreign keys cascade). */
export async function deleteRoom(db: Executor, roomId: string) {
  await db.deleteFrom('rooms').where('id', '=', roomId).execute()
}

export async function isRoomNameTaken(db: Executor, name: string) {
  const row = await db.selectFrom('rooms').select('id').where('name', '=', name).executeTakeFirst()
  return row !== undefined
}

/** Applies counter changes to a room and marks it updated; returns the room as it now is. */
export async function touchRoom(
  db: Executor,
  roomId: string,
  change: { msgs?: number; usersCount?: number; name?: string } = {},
) {
  return db
    .updateTable('rooms')
    .set((eb) => ({
      msgs: eb('msgs', '+', change.msgs ?? 0),
      users_count: eb('users_count', '+', change.usersCount ?? 0),
      updated_at: sql<Date>`now()`,
      ...(change.name !== undefined ? { name: change.name, fname: change.name } : {}),
    }))
    .where('id', '=', roomId)
    .returningAll()
    .executeTakeFirstOrThrow()
}

const roomOrderColumns = {
  name: 'rooms.name',
  fname: 'rooms.fname',
  createdAt: 'rooms.created_at',
  updatedAt: 'rooms.updated_at',
  msgs: 'rooms.msgs',
  usersCount: 'rooms.users_count',
} as const
export type RoomOrderKey = keyof typeof roomOrderColumns

const roomTextColumns = { name: 'rooms.name', fname: 'rooms.fname' } as const
export type RoomTextKey = keyof typeof roomTextColumns

const byName: OrderBy<RoomOrderKey>[] = [{ key: 'name', direction: 'asc' }]

export async function listGroupsOfUser(
  db: Executor,
  userId: string,
  page: Page,
  order: OrderBy<RoomOrderKey>[] = byName,
) {
  let query = db
    .selectFrom('rooms')
    .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
    .selectAll('rooms')
    .where('room_members.user_id', '=', userId)
    .where('room_members.open', '=', true)
    .where('rooms.type', '=', 'p')
  for (const { key, direction } of order) {
    query = query.orderBy(sql.ref(roomOrderColumns[key]), direction)
  }
  return query.orderBy('rooms.id').offset(page.offset).limit(page.count).execute()
}

export async function countGroupsOfUser(db: Executor, userId: string) {
  const row = await db
    .selectFrom('rooms')
    .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('room_members.user_id', '=', userId)
    .where('room_members.open', '=', true)
    .where('rooms.type', '=', 'p')
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

function allGroups(db: Executor, filters: TextFilter<RoomTextKey>[]) {
  let query = db.selectFrom('rooms').where('rooms.type', '=', 'p')
  for (const { key, match } of filters) {
    query = query.where(textCondition(roomTextColumns[key], match))
  }
  return query
}

/** Every private group matching the filters, whoever is in it. */
export async function listAllGroups(
  db: Executor,
  filters: TextFilter<RoomTextKey>[],
  page: Page,
  order: OrderBy<RoomOrderKey>[],
) {
  let query = allGroups(db, filters).selectAll('rooms')
  for (const { key, direction } of order) {
    query = query.orderBy(sql.ref(roomOrderColumns[key]), direction)
  }
  return query.orderBy('rooms.id').offset(page.offset).limit(page.count).execute()
}

export async function countAllGroups(db: Executor, filters: TextFilter<RoomTextKey>[]) {
  const row = await allGroups(db, filters)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
