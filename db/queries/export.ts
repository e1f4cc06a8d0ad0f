import type { Executor } from '../executor.js'

export async function findGroupById(db: Executor, roomId: string) {
  return db
    .selectFrom('rooms')
    .selectAll()
    .where('id', '=', roomId)
    .where('type', '=', 'p')
    .executeTakeFirst()
}

/** Every member with their room roles, in the order they joined. */
export async function listMembersWithRoles(db: Executor, roomId: string) {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select([
      'users.id',
      'users.username',
      'users.name',
      'room_members.roles',
      'room_members.created_at',
    ])
    .where('room_members.room_id', '=', roomId)
    .orderBy('room_members.created_at')
    .orderBy('users.username')
    .execute()
}

/** Every message of a room, oldest first. */
export async function listAllRoomMessages(db: Executor, roomId: string) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}
