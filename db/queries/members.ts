import { type Expression, sql } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { Executor } from '../executor.js'
import { compiledOnce, slot } from './compiled.js'
import { type ListSort, type Page, sortKey } from './listing.js'
import { memberUsernames, memberUsernamesJson } from './member-usernames.js'
import { lookupKey, type RoomLookup } from './rooms.js'

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

/** The members' usernames, in the order they joined. */
export async function listMemberUsernames(db: Executor, roomId: string) {
  const row = await db
    .selectNoFrom(memberUsernames(sql.val(roomId)).as('usernames'))
    .executeTakeFirstOrThrow()
  return row.usernames
}

/** The members' usernames, in the order they joined, as JSON text. */
export async function listMemberUsernamesJson(db: Executor, roomId: string) {
  const row = await db
    .selectNoFrom(memberUsernamesJson(sql.val(roomId)).as('usernames'))
    .executeTakeFirstOrThrow()
  return row.usernames
}

// The membership's copy of the username, so the default order reads an index of room_members.
const memberOrderColumns = { username: 'room_members.username', name: 'users.name' } as const
export type MemberOrderKey = keyof typeof memberOrderColumns

const byUsername: ListSort<MemberOrderKey> = [{ field: 'username', direction: 'asc' }]

function memberPage(
  db: Executor,
  roomId: string | Expression<string>,
  page: { offset: Expression<number>; count: Expression<number> },
  order: ListSort<MemberOrderKey>,
) {
  // Each member's user through the primary key: the OFFSET keeps PostgreSQL from turning the
  // lateral lookup into a hash join over every user, which it prefers while users are few.
  let query = db
    .selectFrom('room_members')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('users')
          .select(['users.id', 'users.username', 'users.name', 'users.status'])
          .whereRef('users.id', '=', 'room_members.user_id')
          .offset(0)
          .as('users'),
      (join) => join.onTrue(),
    )
    .select(['users.id', 'users.username', 'users.name', 'users.status'])
    .where('room_members.room_id', '=', roomId)
  for (const { field, direction } of order) {
    query = query.orderBy(sql.ref(memberOrderColumns[field]), direction)
  }
  return query.orderBy('room_members.user_id').offset(page.offset).limit(page.count)
}

/**
 * A private group the user is in, with a page of its members, in one statement (so one round
 * trip): nothing when the group does not exist or the user is not in it.
 */
export async function findGroupWithMemberPage(
  db: Executor,
  lookup: RoomLookup,
  userId: string,
  page: Page,
  order: ListSort<MemberOrderKey> = byUsername,
) {
  const [by, room] = lookupKey(lookup)
  const [row] = await groupWithMemberPage(db, { by, order }, [
    room,
    userId,
    page.offset,
    page.count,
  ])
  return row
}

const groupWithMemberPage = compiledOnce(
  ({ by, order }: { by: 'id' | 'name'; order: ListSort<MemberOrderKey> }) =>
    `${by} ${sortKey(order)}`,
  (db, { by, order }) => {
    const page = { offset: slot<number>(2), count: slot<number>(3) }
    return db
      .selectFrom('rooms')
      .innerJoin('room_members as caller', (join) =>
        join.onRef('caller.room_id', '=', 'rooms.id').on('caller.user_id', '=', slot<string>(1)),
      )
      .select(['rooms.id', 'rooms.name', 'rooms.archived', 'rooms.users_count'])
      .select(jsonArrayFrom(memberPage(db, sql.ref('rooms.id'), page, order)).as('members'))
      .where('rooms.type', '=', 'p')
      .where(by === 'id' ? 'rooms.id' : 'rooms.name', '=', slot<string>(0))
  },
)

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
