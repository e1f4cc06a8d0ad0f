import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import { takeGroupTurns } from './turns.js'

/**
 * Locks every room the user is a member of, in id order, their turns first (see lockGroup);
 * membership changes of those rooms then wait. The caller holds the user's turn
 * (db/queries/turns.ts), so the user joins no other room until the transaction ends.
 */
export async function lockRoomsOfMember(db: Executor, userId: string) {
  const memberships = await db
    .selectFrom('room_members')
    .select('room_id')
    .where('user_id', '=', userId)
    .execute()
  await takeGroupTurns(
    db,
    memberships.map((row) => row.room_id),
  )
  const rows = await db
    .selectFrom('rooms')
    .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
    .select('rooms.id')
    .where('room_members.user_id', '=', userId)
    .orderBy('rooms.id')
    .forUpdate('rooms')
    .execute()
  return rows.map((row) => row.id)
}

export async function listMembershipsOfUser(db: Executor, userId: string) {
  return db
    .selectFrom('room_members')
    .select(['room_id', 'roles'])
    .where('user_id', '=', userId)
    .orderBy('room_id')
    .execute()
}

/** The names of the groups where the user is the only owner and not the only member. */
export async function findGroupsOnlyOwnedBy(db: Executor, userId: string) {
  const rows = await db
    .selectFrom('rooms')
    .innerJoin('room_members as me', (join) =>
      join.onRef('me.room_id', '=', 'rooms.id').on('me.user_id', '=', userId),
    )
    .select('rooms.name')
    .where(sql<boolean>`'owner' = any(me.roles)`)
    .where(({ exists, selectFrom, not }) =>
      not(
        exists(
          selectFrom('room_members as other')
            .select('other.user_id')
            .whereRef('other.room_id', '=', 'rooms.id')
            .where('other.user_id', '<>', userId)
            .where(sql<boolean>`'owner' = any(other.roles)`),
        ),
      ),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('room_members as other')
          .select('other.user_id')
          .whereRef('other.room_id', '=', 'rooms.id')
          .where('other.user_id', '<>', userId),
      ),
    )
    .orderBy('rooms.name')
    .execute()
  return rows.map((row) => row.name)
}

/** Counts the user out of every room they are in, before their memberships are removed. */
export async function decrementMemberCounts(db: Executor, roomIds: string[]) {
  if (roomIds.length === 0) return
  await db
    .updateTable('rooms')
    .set((eb) => ({ users_count: eb('users_count', '-', 1), updated_at: sql<Date>`now()` }))
    .where('id', 'in', roomIds)
    .execute()
}
