import { type Expression, sql } from 'kysely'

/**
 * A room's usernames in the order the members joined, as an array column: one index-only scan
 * of `room_members_room_order_idx` (memberships keep their username), whatever the room's size.
 */
export function memberUsernames(roomId: Expression<string>) {
  return sql<string[]>`array(select m.username from room_members m
    where m.room_id = ${roomId} order by m.created_at, m.username)`
}

/**
 * The same usernames as JSON text built by the database, for answers that send it on as it is:
 * the index scan's order is kept by aggregating a subquery, so no sort is needed.
 */
export function memberUsernamesJson(roomId: Expression<string>) {
  return sql<string>`(select coalesce(json_agg(s.username), '[]')::text from (
    select m.username from room_members m where m.room_id = ${roomId}
    order by m.created_at, m.username) s)`
}
