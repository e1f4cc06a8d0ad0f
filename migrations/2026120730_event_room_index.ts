import { type Kysely, sql } from 'kysely'

/**
 * What a resume reads, indexed: the events of one group in log order (`events_room_idx`), and
 * the events of no group (global role changes, which go to everyone) in log order
 * (`events_unroomed_idx`). With `events_user_idx` (a user's own events), a replay finds the
 * transactions that concern one user without reading the others (db/queries/events.ts,
 * `readUserRowsBetween`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_room_idx on events (room_id, xid, id) where room_id is not null`.execute(
    db,
  )
  await sql`create index events_unroomed_idx on events (xid, id) where room_id is null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index events_unroomed_idx`.execute(db)
  await sql`drop index events_room_idx`.execute(db)
}
