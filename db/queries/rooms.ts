import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { NewRoom } from '../types.js'

export interface RoomLookup {
  roomId?: string | undefined
  roomName?: string | undefined
}

/**
 * A private group together with one user's membership roles, or nothing when the group does
 * not exist or the user is not in it. With `lock`, the room row stays locked until the
 * transaction ends, so membership changes of one room happen one after another.
 */
export async function findGroupWithMember(
  db: Executor,
  lookup: RoomLookup,
  userId: string,
  options: { lock?: boolean } = {},
) {
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
  if (options.lock) query = query.forUpdate('rooms')
  return query.executeTakeFirst()
}

export async function insertRoom(db: Executor, room: NewRoom) {
  return db.insertInto('rooms').values(room).returningAll().executeTakeFirstOrThrow()
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

export async function listGroupsOfUser(
  db: Executor,
  userId: string,
  page: { offset: number; count: number },
) {
  return db
    .selectFrom('rooms')
    .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
    .selectAll('rooms')
    .where('room_members.user_id', '=', userId)
    .where('rooms.type', '=', 'p')
    .orderBy('rooms.name')
    .offset(page.offset)
    .limit(page.count)
    .execute()
}

export async function countGroupsOfUser(db: Executor, userId: string) {
  const row = await db
    .selectFrom('rooms')
    .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('room_members.user_id', '=', userId)
    .where('rooms.type', '=', 'p')
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
