import { type RawBuilder, sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { NewMessage, NewRoom, Room } from '../types.js'
import type { NewAuditEntry } from './audit.js'
import type { RoomSettings } from './room-settings.js'
import type { RoomLookup } from './rooms.js'
import { literal, takeTurns, textArray, turnUsers, type UserTurns } from './turns.js'

/*
 * A change of a group in four round trips: BEGIN with the turns (takeGroupTurn), the group
 * locked with everything its rules read (lockedGroup), the whole change in one statement that
 * also returns the answer (applyGroupChange), COMMIT.
 */

/**
 * Waits for the turns of the users the change names (see db/queries/turns.ts), then for the
 * group's turn, and returns the group's id with the ids of those users, or undefined when there
 * is no such group. The statement has no parameters, so it travels in the same message as the
 * transaction's BEGIN (db/pg-client.ts); the values looked up are written as escaped literals.
 * Everything the transaction reads afterwards is read after the previous holders committed.
 */
export async function takeGroupTurn(db: Executor, lookup: RoomLookup, users?: UserTurns) {
  const value = lookup.roomId ?? lookup.roomName ?? ''
  // No stored id or name holds NUL, which a statement's text cannot carry.
  if (value.includes('\0')) return undefined
  const column = sql.ref(lookup.roomId !== undefined ? 'id' : 'name')
  const { rows } = await sql<{ id: string; users: string[] }>`
    select id, ${takeTurns(turnUsers(users), sql`array[id]`)} as users
    from rooms where type = 'p' and ${column} = ${literal(value)}`.execute(db)
  return rows[0]
}

/**
 * The group whose turn the transaction holds, locked, with the caller's room roles (null when
 * they are not a member). A group looked up by name must still hold it. Callers add the other
 * values their rules need (ownerCount, memberByRef, nameHolders…) with `.select`.
 */
export function lockedGroup(
  db: Executor,
  roomId: string,
  roomName: string | undefined,
  userId: string,
) {
  let query = db
    .selectFrom('rooms')
    .leftJoin('room_members as me', (join) =>
      join.onRef('me.room_id', '=', 'rooms.id').on('me.user_id', '=', userId),
    )
    .selectAll('rooms')
    .select('me.roles as member_roles')
    .where('rooms.type', '=', 'p')
    .where('rooms.id', '=', roomId)
  if (roomName !== undefined) query = query.where('rooms.name', '=', roomName)
  return query.forUpdate('rooms')
}

export type LockedGroupQuery = ReturnType<typeof lockedGroup>

/** How many owners the locked group has, counted only when `when` holds. */
export function ownerCount(when: RawBuilder<boolean>) {
  return sql<number | null>`case when ${when} then (select count(*) from room_members o
    where o.room_id = rooms.id and 'owner' = any(o.roles)) end`
}

type UserRef = { userId?: string | undefined; username?: string | undefined }

/** Matches `u`, a row of users, to a user named by id (preferred) or username (without case). */
function userMatch(ref: UserRef) {
  return ref.userId
    ? sql`u.id = ${ref.userId}`
    : sql`lower(u.username) = ${(ref.username ?? '').toLowerCase()}`
}

/**
 * An active user named by id (preferred) or username (without case), with their roles in the
 * locked group (null when not a member), as one JSON value; null when there is no such user,
 * or (with `turns`) when the transaction does not hold their turn.
 */
export function memberByRef(ref: UserRef, turns?: string[]) {
  return sql<{ id: string; username: string; roles: string[] | null } | null>`(
    select json_build_object('id', u.id, 'username', u.username, 'roles', m.roles)
    from users u left join room_members m on m.room_id = rooms.id and m.user_id = u.id
    where ${userMatch(ref)} and u.active ${heldTurn(turns)} limit 1)`
}

/** Leaves out, when `turns` is given, the users `u` whose turns the transaction does not hold. */
function heldTurn(turns: string[] | undefined) {
  return turns ? sql`and u.id = any(${turns}::text[])` : sql``
}

/** Whether the user named by id or username holds a room role in the locked group. */
export function holdsRoomRole(ref: UserRef, role: string) {
  return sql<boolean>`exists (select 1 from users u
    join room_members m on m.room_id = rooms.id and m.user_id = u.id
    where ${userMatch(ref)} and u.active and ${role} = any(m.roles))`
}

/**
 * The active users with these ids or (without case) usernames, each with whether they are in
 * the group; with `turns`, only those whose turns the transaction holds.
 */
export function usersByRefs(ids: string[], usernames: string[], turns?: string[]) {
  const lowered = usernames.map((name) => name.toLowerCase())
  return sql<Array<{ id: string; username: string; member: boolean }>>`coalesce((
    select json_agg(json_build_object('id', u.id, 'username', u.username, 'member',
      exists (select 1 from room_members m where m.room_id = rooms.id and m.user_id = u.id)))
    from users u
    where (u.id = any(${ids}::text[]) or lower(u.username) = any(${lowered}::text[])) and u.active
      ${heldTurn(turns)}
  ), '[]'::json)`
}

/** Whether a room, and whether a user (without case), already holds a name. */
export function nameHolders(name: string) {
  return {
    nameHeldByRoom: sql<boolean>`exists (select 1 from rooms r where r.name = ${name})`,
    nameHeldByUser: sql<boolean>`exists (select 1 from users u
      where lower(u.username) = ${name.toLowerCase()})`,
  }
}

export interface GroupChange {
  roomId: string
  /** New name (`name` and `fname`). */
  name?: string
  settings?: RoomSettings
  customFields?: Record<string, unknown>
  usersCount?: number
  messages?: NewMessage[]
  audit?: NewAuditEntry[]
  /** At most one change of memberships. */
  members?:
    | { add: Array<{ userId: string; username: string; roles: string[] }> }
    | { remove: { userId: string } }
    | { update: { userId: string; roles?: string[]; open?: boolean } }
  /** Whether to return the members' usernames after the change, as JSON text. */
  usernames?: boolean
}

function memberChange(roomId: string, change: GroupChange['members']) {
  if (!change)
    return sql`select null::text as username, null::timestamptz as created_at where false`
  if ('add' in change) {
    const rows = JSON.stringify(
      change.add.map((m) => ({ user_id: m.userId, username: m.username, roles: m.roles })),
    )
    return sql`insert into room_members (room_id, user_id, username, roles)
      select ${roomId}, r.user_id, r.username, r.roles
      from jsonb_to_recordset(${rows}::jsonb) as r(user_id text, username text, roles text[])
      on conflict (room_id, user_id) do nothing
      returning username, created_at`
  }
  if ('remove' in change) {
    return sql`delete from room_members where room_id = ${roomId}
      and user_id = ${change.remove.userId} returning username, created_at`
  }
  const { userId, roles, open } = change.update
  const values = [
    ...(roles !== undefined ? [sql`roles = ${roles}::text[]`] : []),
    ...(open !== undefined ? [sql`open = ${open}`] : []),
  ]
  return sql`update room_members set ${sql.join(values)}
    where room_id = ${roomId} and user_id = ${userId} returning username, created_at`
}

/** The usernames after the change: the statement reads the members as they were before it. */
function usernamesAfter(roomId: string, change: GroupChange['members']) {
  if (change && 'add' in change) {
    return sql`(select coalesce(json_agg(s.username), '[]')::text from (
      select username from (
        select m.username, m.created_at from room_members m where m.room_id = ${roomId}
        union all select username, created_at from member_change) joined
      order by created_at, username) s)`
  }
  // A membership the statement changed or removed is still in what it reads: leave out a removed one.
  const removed =
    change && 'remove' in change
      ? sql`and m.username <> all(array(select username from member_change))`
      : sql``
  return sql`(select coalesce(json_agg(s.username), '[]')::text from (
    select m.username from room_members m where m.room_id = ${roomId} ${removed}
    order by m.created_at, m.username) s)`
}

const roomSettingColumns = [
  'topic',
  'description',
  'purpose',
  'announcement',
  'read_only',
  'archived',
] as const

function roomAssignments(change: GroupChange) {
  const assignments = [
    sql`msgs = msgs + ${change.messages?.length ?? 0}`,
    sql`users_count = users_count + ${change.usersCount ?? 0}`,
    sql`updated_at = now()`,
  ]
  if (change.name !== undefined) {
    assignments.push(sql`name = ${change.name}`, sql`fname = ${change.name}`)
  }
  for (const column of roomSettingColumns) {
    const value = change.settings?.[column]
    if (value !== undefined) assignments.push(sql`${sql.ref(column)} = ${value}`)
  }
  if (change.customFields !== undefined) {
    // As JSON text: pg would send a nested JS array as a PostgreSQL array.
    assignments.push(sql`custom_fields = ${JSON.stringify(change.customFields)}::jsonb`)
  }
  return assignments
}

function auditRows(entries: NewAuditEntry[]) {
  return JSON.stringify(
    entries.map((entry) => ({
      actor_id: entry.actorId,
      actor_username: entry.actorUsername,
      room_id: entry.roomId,
      action: entry.action,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })),
  )
}

/**
 * Applies a change of a locked group in one statement, in the order the event log shows it:
 * the membership change, then the room (counters, `updated_at`, name and settings), then the
 * system messages; the audit entries go with them. Returns the room as it now is, with the
 * usernames when asked.
 */
export async function applyGroupChange(db: Executor, change: GroupChange) {
  const { roomId } = change
  const messages = JSON.stringify(change.messages ?? [])
  const usernames = change.usernames ? usernamesAfter(roomId, change.members) : sql`null`
  const { rows } = await sql<Room & { usernames: string | null }>`
    with member_change as (${memberChange(roomId, change.members)}),
    audit as (${auditInsert(change.audit ?? [])}),
    written_messages as (
      insert into messages (id, room_id, type, msg, role, user_id, username)
      select m.id, m.room_id, m.type, m.msg, m.role, m.user_id, m.username
      from jsonb_to_recordset(${messages}::jsonb) as m(id text, room_id text, type text,
        msg text, role text, user_id text, username text))
    update rooms set ${sql.join(roomAssignments(change))}
    where id = ${roomId} and (select count(*) from member_change) >= 0
    returning rooms.*, ${usernames} as usernames`.execute(db)
  const room = rows[0]
  if (!room) throw new Error(`group ${roomId} vanished while locked`)
  return room
}

/** The audit entries as an insert, for a CTE of the statement that makes the change. */
function auditInsert(entries: NewAuditEntry[]) {
  return sql`insert into audit_log (actor_id, actor_username, room_id, action, before, after)
    select a.actor_id, a.actor_username, a.room_id, a.action, a.before, a.after
    from jsonb_to_recordset(${auditRows(entries)}::jsonb) as a(actor_id text,
      actor_username text, room_id text, action text, before jsonb, after jsonb)`
}

/** Deletes a locked group (members and messages cascade) with its audit entry, in one statement. */
export async function deleteGroupWithAudit(db: Executor, roomId: string, audit: NewAuditEntry) {
  await sql`with audit as (${auditInsert([audit])})
    delete from rooms where id = ${roomId}`.execute(db)
}

/** Shows or hides a locked group in one member's list, with its audit entry, in one statement. */
export async function applyMemberChange(
  db: Executor,
  change: { roomId: string; userId: string; open: boolean; audit: NewAuditEntry },
) {
  await sql`with audit as (${auditInsert([change.audit])})
    update room_members set open = ${change.open}
    where room_id = ${change.roomId} and user_id = ${change.userId}`.execute(db)
}

/**
 * Whether a room and whether a user hold a name, and the active users listed, in one statement
 * that also waits for the turns of those users and of the creator (db/queries/turns.ts). It has
 * no parameters (the values are escaped literals), so it travels with the transaction's BEGIN.
 * What it read may be older than the turns: the insert checks the members again (insertGroup).
 */
export async function findNameHoldersAndUsers(
  db: Executor,
  name: string,
  usernames: string[],
  creatorId: string,
) {
  const lowered = textArray(usernames.map((username) => username.toLowerCase()))
  const { rows } = await sql<{
    room: boolean
    user: boolean
    users: Array<{ id: string; username: string }>
  }>`
    with listed as (
      select u.id, u.username from users u
      where lower(u.username) = any(${lowered}) and u.active)
    select exists (select 1 from rooms r where r.name = ${literal(name)}) as room,
      exists (select 1 from users u where lower(u.username) = ${literal(name.toLowerCase())})
        as user,
      coalesce((select json_agg(json_build_object('id', id, 'username', username)) from listed),
        '[]'::json) as users,
      ${takeTurns(sql`array(select id from listed) || ${textArray([creatorId])}`, sql`'{}'::text[]`)} as turns`.execute(
    db,
  )
  const found = rows[0]
  if (!found) throw new Error('no answer from the name and user lookup')
  return found
}

/**
 * Creates a group with its members and its audit entry in one statement; returns the room with
 * the members' usernames as JSON text and how many members were added. A member is added only
 * while an active user: when fewer were added than asked, the caller rolls back.
 */
export async function insertGroup(
  db: Executor,
  room: NewRoom,
  members: Array<{ userId: string; roles: string[] }>,
  audit: NewAuditEntry,
) {
  const rows = JSON.stringify(members.map((m) => ({ user_id: m.userId, roles: m.roles })))
  const { rows: created } = await sql<Room & { usernames: string; added: number }>`
    with new_room as (${db.insertInto('rooms').values(room).returningAll()}),
    new_members as (
      insert into room_members (room_id, user_id, roles)
      select new_room.id, r.user_id, r.roles
      from new_room, jsonb_to_recordset(${rows}::jsonb) as r(user_id text, roles text[])
      join users u on u.id = r.user_id and u.active
      returning username, created_at),
    audit as (${auditInsert([audit])})
    select new_room.*, (select coalesce(json_agg(s.username), '[]')::text from (
      select username from new_members order by created_at, username) s) as usernames,
      (select count(*)::int from new_members) as added
    from new_room`.execute(db)
  const inserted = created[0]
  if (!inserted) throw new Error('the new group was not returned')
  return inserted
}
