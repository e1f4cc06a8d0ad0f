import { type Kysely, sql } from 'kysely'

/**
 * `room.updated` events carry `previous`, the row before the change, as `member.updated` events
 * do: a webhook says what changed (a rename's previous name) without reading anything else.
 */
const roomEvent = (previous: boolean) => sql`
  create or replace function log_room_event() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into events (kind, room_id, data)
        values ('room.inserted', new.id, jsonb_build_object('room', to_jsonb(new)));
      elsif tg_op = 'UPDATE' then
        insert into events (kind, room_id, data)
        values ('room.updated', new.id, jsonb_build_object(
          'room', to_jsonb(new),
          ${previous ? sql`'previous', to_jsonb(old),` : sql``}
          'fields', to_jsonb(old) - 'msgs' - 'updated_at' <> to_jsonb(new) - 'msgs' - 'updated_at',
          'subscription', old.name is distinct from new.name
            or old.fname is distinct from new.fname
            or old.archived is distinct from new.archived));
      else
        insert into events (kind, room_id, data)
        values ('room.deleted', old.id, jsonb_build_object('room', to_jsonb(old)));
      end if;
      return null;
    end $$`

export async function up(db: Kysely<any>): Promise<void> {
  await roomEvent(true).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await roomEvent(false).execute(db)
}
