import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { randomId } from '../../domain/ids.js'
import { api } from './api.js'
import { createTestGroup, createTestUser, type TestUser } from './base.js'

// Data written straight to the database, for tests that need more of it than requests would
// make quickly, or times that requests cannot choose.

/** `count` plain messages by `author`, one second apart from 2024-01-01T00:00:00Z. */
export async function insertTextMessages(db: Db, roomId: string, author: TestUser, count: number) {
  await db
    .insertInto('messages')
    .values(
      Array.from({ length: count }, (_, index) => ({
        id: `${roomId}-${String(index).padStart(3, '0')}`,
        room_id: roomId,
        type: null,
        msg: `message ${index}`,
        role: null,
        user_id: author.id,
        username: author.username,
        created_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
        updated_at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
      })),
    )
    .execute()
}

/** A time with microseconds, as the database keeps them and the API does not show them. */
const microseconds = (at: string) => sql<Date>`${at}::timestamptz`

/** Messages at 2024-05-01T10:00:0N.123456Z for N = 1, 2, 3, counted in the group's `msgs`. */
export async function threeMessages(db: Db, roomId: string, author: TestUser) {
  for (const second of [1, 2, 3]) {
    const time = microseconds(`2024-05-01T10:00:0${second}.123456Z`)
    await db
      .insertInto('messages')
      .values({
        id: randomId(),
        room_id: roomId,
        type: null,
        msg: `message ${second}`,
        role: null,
        user_id: author.id,
        username: author.username,
        created_at: time,
        updated_at: time,
      })
      .execute()
  }
  await db.updateTable('rooms').set({ msgs: 3 }).where('id', '=', roomId).execute()
}

/** Groups written straight to the database, each owned by `owner` alone. */
export async function seedGroupsOf(
  db: Db,
  owner: TestUser,
  groups: Array<{ name: string; msgs?: number }>,
) {
  const rows = groups.map(({ name, msgs }) => ({
    id: randomId(),
    name,
    fname: name,
    creator_id: owner.id,
    creator_username: owner.username,
    users_count: 1,
    msgs: msgs ?? 0,
  }))
  await db.insertInto('rooms').values(rows).execute()
  await db
    .insertInto('room_members')
    .values(rows.map((row) => ({ room_id: row.id, user_id: owner.id, roles: ['owner'] })))
    .execute()
  return rows
}

/** `count` more members of a group, written straight to the database. */
export async function seedMembers(db: Db, roomId: string, count: number) {
  const users = Array.from({ length: count }, () => {
    const id = randomId()
    return { id, username: `seeded-${id.toLowerCase()}`, name: id, email: null, password_hash: '-' }
  })
  await db.insertInto('users').values(users).execute()
  await db
    .insertInto('room_members')
    .values(users.map((user) => ({ room_id: roomId, user_id: user.id })))
    .execute()
  await db
    .updateTable('rooms')
    .set((eb) => ({ users_count: eb('users_count', '+', count) }))
    .where('id', '=', roomId)
    .execute()
}

/**
 * A group with three system messages (two invites, then a kick) at known, microsecond-precise
 * times: 2024-05-01T10:00:0N.123456Z for N = 1, 2, 3.
 */
export async function groupWithHistory(app: FastifyInstance, db: Db) {
  const owner = await createTestUser(db)
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  for (const [endpoint, user] of [
    ['groups.invite', first],
    ['groups.invite', second],
    ['groups.kick', first],
  ] as const) {
    const response = await api(app, owner).post(endpoint, { roomId: group._id, userId: user.id })
    if (response.statusCode !== 200) throw new Error(`${endpoint} failed: ${response.body}`)
  }
  const stored = await db
    .selectFrom('messages')
    .select('id')
    .where('room_id', '=', group._id)
    .orderBy('created_at')
    .execute()
  for (const [index, message] of stored.entries()) {
    const time = microseconds(`2024-05-01T10:00:0${index + 1}.123456Z`)
    await db
      .updateTable('messages')
      .set({ created_at: time, updated_at: time })
      .where('id', '=', message.id)
      .execute()
  }
  const [addedFirst, addedSecond, removedFirst] = stored.map((message) => message.id)
  return { owner, first, second, group, ids: { addedFirst, addedSecond, removedFirst } }
}
