import { type Expression, sql } from 'kysely'
import type { Executor } from '../executor.js'
import { compiledOnce, slot } from './compiled.js'
import { filterCondition, type ListFilter, type ListSort, type Page, sortKey } from './listing.js'
import { memberUsernamesJson } from './member-usernames.js'
import { takeGroupTurns } from './turns.js'

export interface RoomLookup {
  roomId?: string | undefined
  roomName?: string | undefined
}

/**
 * A private group together with one user's membership roles, or nothing when the group does
 * not exist or the user is not in it. With `lock`, the group is locked until the transaction
 * ends (see lockGroup), so membership changes of one room happen one after another. The
 * membership is then read by a new statement, which sees what the transactions we waited for
 * committed (a locking join would re-check the room row only, and could return a membership
 * that was just deleted).
 */
export async function findGroupWithMember(
  db: Executor,
  lookup: RoomLookup,
  userId: string,
  options: { lock?: boolean } = {},
) {
  if (options.lock) {
    const roomId = await lockGroup(db, lookup)
    if (!roomId) return undefined
    lookup = { roomId }
  }
  return groupOfMember(db, ...lookupKey(lookup), userId).executeTakeFirst()
}

/**
 * Locks a private group for the rest of the transaction; its id, or undefined when there is no
 * such group. The group's turn is taken first, with an advisory lock, and only then its row:
 * locking a row gives the transaction its id (xid) at once, even when it must wait, whereas an
 * advisory lock does not. So transactions that change one group get their ids in the order
 * they get the group, and the event log, ordered by xid, has them in the order they happened.
 * A group is looked up by name without a lock first, then locked by id and checked again.
 * (See db/queries/turns.ts: a change of memberships takes the users' turns before this.)
 */
export async function lockGroup(db: Executor, lookup: RoomLookup): Promise<string | undefined> {
  const roomId =
    lookup.roomId ??
    (
      await db
        .selectFrom('rooms')
        .select('id')
        .where('type', '=', 'p')
        .where('name', '=', lookup.roomName ?? '')
        .executeTakeFirst()
    )?.id
  if (!roomId) return undefined
  await takeGroupTurns(db, [roomId])
  let lock = db.selectFrom('rooms').select('id').where('type', '=', 'p').where('id', '=', roomId)
  if (!lookup.roomId) lock = lock.where('name', '=', lookup.roomName ?? '')
  const locked = await lock.forUpdate().executeTakeFirst()
  return locked?.id
}

/** How a lookup finds its group, and the id or name it finds it by. */
export function lookupKey(lookup: RoomLookup): ['id' | 'name', string] {
  return lookup.roomId ? ['id', lookup.roomId] : ['name', lookup.roomName ?? '']
}

function groupOfMember(
  db: Executor,
  by: 'id' | 'name',
  room: string | Expression<string>,
  userId: string | Expression<string>,
) {
  return db
    .selectFrom('rooms')
    .innerJoin('room_members', (join) =>
      join.onRef('room_members.room_id', '=', 'rooms.id').on('room_members.user_id', '=', userId),
    )
    .selectAll('rooms')
    .select('room_members.roles as member_roles')
    .where('rooms.type', '=', 'p')
    .where(by === 'id' ? 'rooms.id' : 'rooms.name', '=', room)
}

const groupWithUsernames = compiledOnce(
  (by: 'id' | 'name') => by,
  (db, by) =>
    groupOfMember(db, by, slot<string>(0), slot<string>(1)).select(
      memberUsernamesJson(sql.ref('rooms.id')).as('usernames'),
    ),
)

/**
 * The group as findGroupWithMember finds it, with every member's username as JSON text, in one
 * statement.
 */
export async function findGroupWithUsernames(db: Executor, lookup: RoomLookup, userId: string) {
  const [by, room] = lookupKey(lookup)
  const [row] = await groupWithUsernames(db, by, [room, userId])
  return row
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
  if (options.lock) {
    const roomId = await lockGroup(db, lookup)
    if (!roomId) return undefined
    lookup = { roomId }
  }
  let query = db.selectFrom('rooms').selectAll().where('type', '=', 'p')
  query = lookup.roomId
    ? query.where('id', '=', lookup.roomId)
    : query.where('name', '=', lookup.roomName ?? '')
  return query.executeTakeFirst()
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

const roomFilterColumns = { name: sql.ref('rooms.name'), fname: sql.ref('rooms.fname') }
export type RoomFilterField = keyof typeof roomFilterColumns

const byName: ListSort<RoomOrderKey> = [{ field: 'name', direction: 'asc' }]

/**
 * A page of the user's open groups. Each row also carries `total`, how many there are in all
 * (a window over the whole set), so a page and its total take one statement.
 */
const groupsOfUser = compiledOnce(sortKey, (db, order: ListSort<RoomOrderKey>) => {
  // Each membership's room through the primary key: the OFFSET keeps PostgreSQL from turning
  // the lateral lookup into a hash join over every room, which it prefers while rooms are few.
  let query = db
    .selectFrom('room_members')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('rooms')
          .selectAll()
          .whereRef('rooms.id', '=', 'room_members.room_id')
          .where('rooms.type', '=', 'p')
          .offset(0)
          .as('rooms'),
      (join) => join.onTrue(),
    )
    .selectAll('rooms')
    .select(sql<number>`count(*) over ()`.as('total'))
    .where('room_members.user_id', '=', slot<string>(0))
    .where('room_members.open', '=', true)
  for (const { field, direction } of order) {
    query = query.orderBy(sql.ref(roomOrderColumns[field]), direction)
  }
  return query.orderBy('rooms.id').offset(slot<number>(1)).limit(slot<number>(2))
})

export async function listGroupsOfUser(
  db: Executor,
  userId: string,
  page: Page,
  order: ListSort<RoomOrderKey> = byName,
) {
  return groupsOfUser(db, order, [userId, page.offset, page.count])
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

function allGroups(db: Executor, filter: ListFilter<RoomFilterField> | undefined) {
  const query = db.selectFrom('rooms').where('rooms.type', '=', 'p')
  return filter ? query.where(filterCondition(filter, roomFilterColumns)) : query
}

/** Every private group matching the filter, whoever is in it. */
export async function listAllGroups(
  db: Executor,
  filter: ListFilter<RoomFilterField> | undefined,
  page: Page,
  order: ListSort<RoomOrderKey>,
) {
  let query = allGroups(db, filter).selectAll('rooms')
  for (const { field, direction } of order) {
    query = query.orderBy(sql.ref(roomOrderColumns[field]), direction)
  }
  return query.orderBy('rooms.id').offset(page.offset).limit(page.count).execute()
}

export async function countAllGroups(
  db: Executor,
  filter: ListFilter<RoomFilterField> | undefined,
) {
  const row = await allGroups(db, filter)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
