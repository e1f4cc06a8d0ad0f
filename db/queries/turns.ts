import { type RawBuilder, sql } from 'kysely'
import pg from 'pg'
import type { Executor } from '../executor.js'

/*
 * Turns: every transaction that changes a user's memberships or the user's existence (invite,
 * kick, leave, groups.create and groups.delete for their members, users.delete, deactivation)
 * first takes the turn of each user it changes, and every change of a group takes the group's
 * turn. A turn is a transaction-scoped advisory lock (pg_advisory_xact_lock, never a session
 * lock), taken by the SQL function `take_turns` (migration 2026120301) in one fixed order:
 * users before groups, each by ascending `hashtext` of the id, so no two transactions deadlock.
 *
 * Why: the event log is read in transaction-id order, and a transaction gets its id at its first
 * write or row lock, not when it commits. Taking a turn gives no id, so a transaction that takes
 * its turns before anything else gets its id only after the previous holder committed: the
 * changes of one user (of one group) are logged in the order they committed. Without the user's
 * turn, `users.delete` could get its id, then remove the user from a group an invitation added
 * meanwhile: the removal would be logged before the join.
 *
 * The turn statements have no parameters (values are written as escaped literals), so the
 * first of a transaction travels in the same message as its BEGIN (db/pg-client.ts).
 */

/**
 * The advisory locks' first key for users' turns: "user" in ASCII, as take_turns writes it
 * (groups' turns: "room", 0x726f6f6d); the second is `hashtext` of the id.
 */
export const USER_TURN = 0x75736572

/** A value as an escaped SQL literal. No stored id or name holds NUL: callers leave those out. */
export function literal(value: string): RawBuilder<string> {
  return sql.raw(pg.escapeLiteral(value))
}

/** Values as an escaped `text[]` literal, those holding NUL (which match nothing) left out. */
export function textArray(values: readonly string[]): RawBuilder<string[]> {
  const kept = values.filter((value) => !value.includes('\0'))
  if (kept.length === 0) return sql.raw(`'{}'::text[]`)
  return sql.raw(`array[${kept.map((value) => pg.escapeLiteral(value)).join(', ')}]::text[]`)
}

/** The call that takes the turns of these users, then of these groups (arrays of ids). */
export function takeTurns(userIds: RawBuilder<string[]>, roomIds: RawBuilder<string[]>) {
  return sql<string[]>`take_turns(${userIds}, ${roomIds})`
}

/** Waits for the turns of these users (and groups), until the transaction ends. */
export async function takeUserTurns(db: Executor, userIds: string[], roomIds: string[] = []) {
  if (userIds.length === 0 && roomIds.length === 0) return
  await sql`select ${takeTurns(textArray(userIds), textArray(roomIds))}`.execute(db)
}

/** Waits for the turn of each group, until the transaction ends. */
export async function takeGroupTurns(db: Executor, roomIds: string[]) {
  await takeUserTurns(db, [], roomIds)
}

/** Whose turns a group change takes besides the group's. */
export type UserTurns =
  /** Users named by id or (without case) username: the caller, invitees, a kicked user. */
  | { ids: readonly string[]; usernames?: readonly string[] }
  /** The group's members as they are. */
  | { members: true }

/** The ids of the users whose turns a group change takes, as an array over `rooms`. */
export function turnUsers(turns: UserTurns | undefined) {
  if (!turns) return sql.raw<string[]>(`'{}'::text[]`)
  if ('members' in turns) {
    return sql<string[]>`array(select m.user_id from room_members m where m.room_id = rooms.id)`
  }
  const usernames = (turns.usernames ?? []).map((name) => name.toLowerCase())
  if (usernames.length === 0) return textArray(turns.ids)
  return sql<string[]>`array(select u.id from users u where u.id = any(${textArray(turns.ids)})
    or lower(u.username) = any(${textArray(usernames)}))`
}
