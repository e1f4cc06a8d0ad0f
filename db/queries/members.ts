import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { OrderBy, Page } from './listing.js'

export async function insertMembers(
  db: Executor,
  roomId: string,
  members: Array<{ userId: string; roles: string[] }>,
) {
  if (members.length === 0) return []
  return db
    .insertInto('room_members')
    .values(members.map((m) => ({ room_id: roomId, user_id: m.userId, roles: m.roles })))
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .returning('user_id')
    .execute()
}

export async function findMemberRoles(db: Executor, roomId: string, userId: string) {
  const row = await db
    .selectFrom('room_members')
    .select('roles')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row?.roles
}

export async function deleteMember(db: Executor, roomId: string, userId: string) {
  await db
    .deleteFrom('room_members')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

export async function countRoomRole(db: Executor, roomId: string, role: string) {
  const row = await db
    .selectFrom('room_members')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('room_id', '=', roomId)
    .where(sql<boolean>`${role} = any(roles)`)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function addMemberRole(db: Executor, roomId: string, userId: string, role: string) {
  await db
    .updateTable('room_members')
    .set({ roles: sql<string[]>`array_append(roles, ${role})` })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where(sql<boolean>`not (${role} = any(roles))`)
    .execute()
}

export async function removeMemberRole(db: Executor, roomId: string, userId: string, role: string) {
  await db
    .updateTable('room_members')
    .set({ roles: sql<string[]>`array_remove(roles, ${role})` })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

/** Members holding the given room role, or any room role without one, by username. */
export async function listRoleHolders(db: Executor, roomId: string, role?: string) {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.id', 'users.username', 'room_members.roles'])
    .where('room_members.room_id', '=', roomId)
    .where(
      role === undefined
        ? sql<boolean>`cardinality(room_members.roles) > 0`
        : sql<boolean>`${role} = any(room_members.roles)`,
    )
    .orderBy('users.username')
    .execute()
}

/** Shows or hides a group in one member's list; false when it already was that way. */
export async function setMemberOpen(db: Executor, roomId: string, userId: string, open: boolean) {
  const result = await db
    .updateTable('room_members')
    .set({ open })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('open', '=', !open)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** The members' usernames, in the order they joined. */
export async function listMemberUsernames(db: Executor, roomId: string) {
  const rows = await db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select('users.username')
    .where('room_members.room_id', '=', roomId)
    .orderBy('room_members.created_at')
    .orderBy('users.username')
    .execute()
  return rows.map((row) => row.username)
}

const memberOrderColumns = { username: 'users.username', name: 'users.name' } as const
export type MemberOrderKey = keyof typeof memberOrderColumns

export async function listMembers(
  db: Executor,
  roomId: string,
  page: Page,
  order: OrderBy<MemberOrderKey>[] = [{ key: 'username', direction: 'asc' }],
) {
  let query = db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.id', 'users.username', 'users.name', 'users.status'])
    .where('room_members.room_id', '=', roomId)
  for (const { key, direction } of order) {
    query = query.orderBy(sql.ref(memberOrderColumns[key]), direction)
  }
  return query.orderBy('users.id').offset(page.offset).limit(page.count).execute()
}

/** One user's membership of a room: whether it is shown in their list and when they last read it. */
export async function findMembership(db: Executor, roomId: string, userId: string) {
  return db
    .selectFrom('room_members')
    .select(['open', 'last_seen_at'])
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** Members whose accounts are active, as Rocket.Chat counts a room's members. */
export async function countActiveMembers(db: Executor, roomId: string) {
  const row = await db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('room_members.room_id', '=', roomId)
    .where('users.active', '=', true)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
