import { sql } from 'kysely'
import type { Executor } from '../executor.js'

/** A place in the event log: every event is after all of `(xid, id)`'s predecessors. */
export interface LogPosition {
  /** The writing transaction's id, as text (`xid8` exceeds a JS number's safe range). */
  xid: string
  id: number
}

export const LOG_START: LogPosition = { xid: '0', id: 0 }

export interface LoggedEvent extends LogPosition {
  kind: string
  roomId: string | null
  userId: string | null
  data: Record<string, unknown>
  createdAt: Date
}

interface EventRow {
  id: number | string
  xid: string
  kind: string
  room_id: string | null
  user_id: string | null
  data: Record<string, unknown>
  created_at: Date
}

function toEvent(row: EventRow): LoggedEvent {
  return {
    xid: row.xid,
    id: Number(row.id),
    kind: row.kind,
    roomId: row.room_id,
    userId: row.user_id,
    data: row.data,
    createdAt: row.created_at,
  }
}

/**
 * Every transaction below this id has ended: the log is complete up to it. (Queries below that
 * select `xid::text as xid` order by `events.xid`: a bare `xid` would name the text column and
 * put transaction 1000 before 999.)
 */
const horizon = sql`pg_snapshot_xmin(pg_current_snapshot())`

/**
 * The events after a position, in log order, of transactions that have all ended. With
 * `limit`, the last transaction read is completed by a second statement, so a reader never
 * stops inside one transaction's events.
 */
export async function readEventsAfter(
  db: Executor,
  after: LogPosition,
  limit: number,
): Promise<LoggedEvent[]> {
  const { rows } = await sql<EventRow>`
    select id, xid::text as xid, kind, room_id, user_id, data, created_at from events
    where (xid, id) > (${after.xid}::xid8, ${after.id}::bigint) and xid < ${horizon}
    order by events.xid, events.id limit ${limit}`.execute(db)
  const events = rows.map(toEvent)
  const last = events.at(-1)
  if (events.length < limit || !last) return events
  const { rows: rest } = await sql<EventRow>`
    select id, xid::text as xid, kind, room_id, user_id, data, created_at from events
    where xid = ${last.xid}::xid8 and id > ${last.id}::bigint
    order by id`.execute(db)
  return events.concat(rest.map(toEvent))
}

/** The last position of the complete part of the log: where a new reader starts. */
export async function logHead(db: Executor): Promise<LogPosition> {
  const { rows } = await sql<{ xid: string; id: number | string }>`
    select xid::text as xid, id from events where xid < ${horizon}
    order by events.xid desc, events.id desc limit 1`.execute(db)
  const row = rows[0]
  return row ? { xid: row.xid, id: Number(row.id) } : LOG_START
}

export interface MembershipSince {
  /** The user's groups now. */
  rooms: string[]
  /** Their joins and removals logged after the position, newest first. */
  changes: Array<{ roomId: string; kind: 'member.added' | 'member.removed' }>
}

/**
 * A user's groups now and the membership events logged after a position, read in one snapshot,
 * so undoing those events gives the user's groups exactly at the position.
 */
export async function membershipSince(
  db: Executor,
  userId: string,
  after: LogPosition,
): Promise<MembershipSince> {
  const { rows } = await sql<{ room_id: string; kind: string | null }>`
    select room_id, null as kind, null::xid8 as xid, null::bigint as id
    from room_members where user_id = ${userId}
    union all
    select room_id, kind, xid, id from events
    where user_id = ${userId} and kind in ('member.added', 'member.removed')
      and (xid, id) > (${after.xid}::xid8, ${after.id}::bigint)
    order by xid desc nulls first, id desc`.execute(db)
  const rooms: string[] = []
  const changes: MembershipSince['changes'] = []
  for (const row of rows) {
    if (row.kind === null) rooms.push(row.room_id)
    else changes.push({ roomId: row.room_id, kind: row.kind as 'member.added' | 'member.removed' })
  }
  return { rooms, changes }
}

/** Members' rows of one group, for the given users (the subscription fields). */
export async function findMemberships(db: Executor, roomId: string, userIds: string[]) {
  if (userIds.length === 0) return []
  return db
    .selectFrom('room_members')
    .select([
      'id',
      'room_id',
      'user_id',
      'username',
      'roles',
      'open',
      'created_at',
      'last_seen_at',
      'updated_at',
    ])
    .where('room_id', '=', roomId)
    .where('user_id', 'in', userIds)
    .execute()
}

export async function isMember(db: Executor, roomId: string, userId: string) {
  const row = await db
    .selectFrom('room_members')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row !== undefined
}

export async function findRoom(db: Executor, roomId: string) {
  return db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst()
}
