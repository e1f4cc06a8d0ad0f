import { type Kysely, sql } from 'kysely'

/**
 * The columns of a membership that its subscription shows, named once: `room_member_watched`
 * returns them as one value, and the two triggers that watch them (the one that sets
 * `updated_at`, the one that logs `member.updated`) compare it before and after the update,
 * where each listed the columns twice over (in `update of` and in `when`). A column added to
 * the function is watched by both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function room_member_watched(m room_members) returns jsonb
    language sql stable as $$
      select jsonb_build_array(m.roles, m.open, m.last_seen_at, m.username)
    $$`.execute(db)
  await sql`drop trigger room_members_touch on room_members`.execute(db)
  await sql`
    create trigger room_members_touch before update on room_members
    for each row when (room_member_watched(old) is distinct from room_member_watched(new))
    execute function room_member_touch()`.execute(db)
  await sql`drop trigger room_members_events_update on room_members`.execute(db)
  await sql`
    create trigger room_members_events_update after update on room_members
    for each row when (room_member_watched(old) is distinct from room_member_watched(new))
    execute function log_member_event()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger room_members_touch on room_members`.execute(db)
  await sql`
    create trigger room_members_touch
    before update of roles, open, last_seen_at, username on room_members
    for each row when ((old.roles, old.open, old.last_seen_at, old.username)
      is distinct from (new.roles, new.open, new.last_seen_at, new.username))
    execute function room_member_touch()`.execute(db)
  await sql`drop trigger room_members_events_update on room_members`.execute(db)
  await sql`
    create trigger room_members_events_update
    after update of roles, open, last_seen_at, username on room_members
    for each row when ((old.roles, old.open, old.last_seen_at, old.username)
      is distinct from (new.roles, new.open, new.last_seen_at, new.username))
    execute function log_member_event()`.execute(db)
  await sql`drop function room_member_watched(room_members)`.execute(db)
}
