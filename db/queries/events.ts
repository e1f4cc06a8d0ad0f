import { type Kysely, sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { Database } from '../types.js'

/** A place in the event log: every event is after all of `(xid, id)`'s predecessors. */
export interface LogPosition {
  /** The writing transaction's id, as text (`xid8` exceeds a JS number's safe range). */
  xid: string
  id: number
}

export const LOG_START: LogPosition = { xid: '0', id: 0 }

/** A log row as it is stored; domain/realtime/log/ parses it into a typed event. */
export interface EventRow {
  id: number | string
  xid: string
  kind: string
  room_id: string | null
  user_id: string | null
  data: unknown
  created_at: Date
}

/** A log row's columns, as `EventRow` holds them. */
const ROW = sql`id, xid::text as xid, kind, room_id, user_id, data, created_at`

/**
 * Every transaction of this database below this id has ended: the log is complete up to it.
 * It is the statement snapshot's oldest running transaction, as `pg_snapshot_xmin` gives it, but
 * leaving out the transactions the server shows to belong to another database: those cannot
 * write to this log, and a long one (a migration, a report, another tenant's batch on a shared
 * server) would otherwise hold every delivery back until it ends. A transaction whose database
 * cannot be seen (it has just ended, or another role's backend hides it) still counts, so
 * nothing is passed that could yet commit here. (Queries below that select `xid::text as xid`
 * order by `events.xid`: a bare `xid` would name the text column and put 1000 before 999.)
 */
const horizon = sql`(
  select coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
  from pg_snapshot_xip(pg_current_snapshot()) as running (xid)
  where not exists (
    select from pg_stat_get_activity(null) as elsewhere
    where elsewhere.datid <> (select oid from pg_database where datname = current_database())
      and elsewhere.backend_xid::text::bigint = running.xid::text::bigint % 4294967296))`

/**
 * The events after a position, in log order, of transactions that have all ended. With
 * `limit`, the last transaction read is completed by a second statement, so a reader never
 * stops inside one transaction's events.
 */
export async function readRowsAfter(
  db: Executor,
  after: LogPosition,
  limit: number,
): Promise<EventRow[]> {
  const { rows } = await sql<EventRow>`
    select ${ROW} from events
    where (xid, id) > (${after.xid}::xid8, ${after.id}::bigint) and xid < ${horizon}
    order by events.xid, events.id limit ${limit}`.execute(db)
  return completeLastTransaction(db, rows, limit)
}

/**
 * The whole transactions after one position up to another (a place the relay has read to)
 * that concern one user: those with an event of the user, of a group the user was in at
 * `after` (`rooms`) or joined before `upTo`, or of no group (global role changes, which go to
 * everyone); and the transaction `include` when given, whatever it holds. At most `limit`
 * transactions, the first ones in log order, each with all its events.
 *
 * Each source is read from its own index, at most `limit` transactions from each, so the
 * cost grows with what concerns the user, not with the log: the user's own events
 * (`events_user_idx`), each group's (`events_room_idx`), the global ones
 * (`events_unroomed_idx`). The first `limit` transactions of their union are exactly the
 * first `limit` that concern the user, as none of the sources was cut before them.
 */
export async function readUserRowsBetween(
  db: Executor,
  userId: string,
  rooms: readonly string[],
  after: LogPosition,
  upTo: LogPosition,
  limit: number,
  include?: string,
): Promise<EventRow[]> {
  const range = sql`(xid, id) > (${after.xid}::xid8, ${after.id}::bigint)
    and (xid, id) <= (${upTo.xid}::xid8, ${upTo.id}::bigint)`
  const { rows } = await sql<EventRow>`
    with followed as (
      select room_id from unnest(${[...rooms]}::text[]) as given (room_id)
      union
      select room_id from events
      where user_id = ${userId} and kind = 'member.added' and ${range}
    ), wanted as (
      (select distinct xid from events where user_id = ${userId} and ${range}
        order by xid limit ${limit})
      union
      (select of_room.xid from followed, lateral (
        select distinct xid from events where room_id = followed.room_id and ${range}
        order by xid limit ${limit}) of_room)
      union
      (select distinct xid from events where room_id is null and ${range}
        order by xid limit ${limit})
      union
      select xid from (values (${include ?? null}::xid8)) as given (xid) where xid is not null
    )
    select ${ROW} from events
    where xid in (select xid from wanted order by xid limit ${limit})
    order by events.xid, events.id`.execute(db)
  return rows
}

/**
 * A batch cut by its limit, with the rest of its last transaction's events read: readers never
 * stop inside a transaction.
 */
async function completeLastTransaction(
  db: Executor,
  events: EventRow[],
  limit: number,
): Promise<EventRow[]> {
  const last = events.at(-1)
  if (events.length < limit || !last) return events
  const { rows } = await sql<EventRow>`
    select ${ROW} from events
    where xid = ${last.xid}::xid8 and id > ${last.id}::bigint
    order by id`.execute(db)
  return events.concat(rows)
}

/** Whether the log still holds the event at a position (not pruned, not made up). */
export async function eventExists(db: Executor, at: LogPosition): Promise<boolean> {
  const { rows } = await sql`
    select 1 from events where xid = ${at.xid}::xid8 and id = ${at.id}::bigint`.execute(db)
  return rows.length > 0
}

/** How many finished transactions' events come after a position, counted up to `cap`. */
export async function countEventsAfter(db: Executor, after: LogPosition, cap: number) {
  const { rows } = await sql<{ count: number | string }>`
    select count(*) as count from (
      select 1 from events
      where (xid, id) > (${after.xid}::xid8, ${after.id}::bigint) and xid < ${horizon}
      limit ${cap}) behind`.execute(db)
  return Number(rows[0]?.count ?? 0)
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

/**
 * Members' rows of one group as they stood at a point of the log, for the given users, as JSON
 * (the log's form): the row before the first change logged after that point (the `previous` of
 * an update, the row of a removal), or the row as it is now when nothing changed since. Read in
 * one statement, so one snapshot. An update logged before updates carried `previous` counts as
 * no change.
 */
export async function membershipsAt(
  db: Executor,
  roomId: string,
  userIds: string[],
  at: LogPosition,
): Promise<Array<Record<string, unknown>>> {
  if (userIds.length === 0) return []
  const { rows } = await sql<{ user_id: string; row: Record<string, unknown> | null }>`
    select distinct on (user_id) user_id, row from (
      select user_id, data->coalesce(
          case kind when 'member.updated' then 'previous' when 'member.removed' then 'member' end,
          'none') as row,
        0 as rank, xid, id
      from events
      where user_id in (${sql.join(userIds)}) and room_id = ${roomId}
        and kind in ('member.updated', 'member.removed')
        and (xid, id) > (${at.xid}::xid8, ${at.id}::bigint)
        and (kind = 'member.removed' or data ? 'previous')
      union all
      select user_id, to_jsonb(m) as row, 1 as rank, null, null
      from room_members m
      where room_id = ${roomId} and user_id in (${sql.join(userIds)})
    ) candidates
    order by user_id, rank, xid, id`.execute(db)
  return rows.flatMap((row) => (row.row ? [row.row] : []))
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

/** The groups of these ids as they are now, for events that name a group they do not carry. */
export async function findRooms(db: Executor, roomIds: string[]) {
  if (roomIds.length === 0) return []
  return db.selectFrom('rooms').selectAll().where('id', 'in', roomIds).execute()
}

/**
 * A user's removals from groups logged after a moment (kicked, left, the group deleted), oldest
 * first: what REST catch-up reports as removed. Clients send moments to the millisecond, so
 * "after" starts at the next one. `kind` is a literal, which the partial index on it matches.
 */
export async function readRemovalRowsOfUser(
  db: Executor,
  userId: string,
  after: Date,
): Promise<EventRow[]> {
  const { rows } = await sql<EventRow>`
    select ${ROW} from events
    where user_id = ${userId} and kind = 'member.removed'
      and created_at >= ${new Date(after.getTime() + 1)}::timestamptz
    order by created_at, id`.execute(db)
  return rows
}

/**
 * Deletes the oldest whole transactions of the log: every event up to the last transaction that
 * logged one before `before`, among those that have ended (below the horizon). A transaction
 * still open keeps its events, and so does every transaction after it; none loses only some of
 * its events. Nor does any transaction an enabled webhook's cursor has not passed: its events are
 * still to be sent. Records `pruned_before` as `before`, or as the latest deleted event's time when
 * later (a transaction can log events on both sides of `before`), rounded up to the millisecond
 * that clients send back; it never moves back. Returns how many events were deleted.
 *
 * The prune is a change of its own, so it opens its transaction: concurrent prunes (one per
 * process) take turns on the bookkeeping row, and each then sees what the previous deleted.
 */
export async function pruneEvents(db: Kysely<Database>, before: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('event_log_state').select('id').forUpdate().execute()
    // Materialized, so the old events are found by time: a backward scan by xid for the last
    // old one would walk through every newer event first. (No max(): xid8 has none before 15.)
    const { rows } = await sql<{ deleted: number; latest: Date | null }>`
      with old as materialized (
        select xid from events where created_at < ${before}::timestamptz and xid < ${horizon}
          and not exists (select from webhooks where enabled and cursor_xid <= events.xid)
      ), deleted as (
        delete from events where xid <= (select xid from old order by xid desc limit 1)
        returning created_at)
      select count(*) as deleted,
        date_trunc('milliseconds', max(created_at) + interval '999 microseconds') as latest
      from deleted`.execute(trx)
    const { deleted, latest } = rows[0] ?? { deleted: 0, latest: null }
    await trx
      .updateTable('event_log_state')
      .set({
        pruned_before: sql<Date>`greatest(pruned_before, ${before}::timestamptz, ${latest}::timestamptz)`,
      })
      .execute()
    return deleted
  })
}

/** The moment before which events may have been pruned; null while none has been. */
export async function prunedBefore(db: Executor): Promise<Date | null> {
  const row = await db.selectFrom('event_log_state').select('pruned_before').executeTakeFirst()
  return row?.pruned_before ?? null
}

/**
 * PostgreSQL's estimate of the events in the log (`pg_class.reltuples`, as of the table's last
 * VACUUM or ANALYZE; 0 before the first): free to read, however long the log.
 */
export async function estimateEventCount(db: Executor): Promise<number> {
  const { rows } = await sql<{ estimate: number }>`
    select greatest(reltuples, 0)::bigint as estimate from pg_class
    where oid = 'events'::regclass`.execute(db)
  return rows[0]?.estimate ?? 0
}

/** The events in the log, counted: exact, and as slow as the log is long. */
export async function countEvents(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return row.count
}
