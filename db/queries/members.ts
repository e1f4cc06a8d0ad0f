import { sql } from 'kysely'
import type { Executor } from '../executor.js'

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

export async function listMembers(
  db: Executor,
  roomId: string,
  page: { offset: number; count: number },
) {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.id', 'users.username', 'users.name', 'users.status'])
    .where('room_members.room_id', '=', roomId)
    .orderBy('users.username')
    .offset(page.offset)
    .limit(page.count)
    .execute()
}
