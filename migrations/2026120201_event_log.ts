import { type Kysely, sql } from 'kysely'

/**
 * The event log: every change a realtime client can see appends a row from inside the
 * transaction that makes it, by trigger, whoever writes (the service, the command-line tool or
 * SQL typed by hand). Rows are stamped with their transaction's id (`xid`); readers take them
 * in `(xid, id)` order and only below `pg_snapshot_xmin(pg_current_snapshot())`, where every
 * transaction has ended, so a transaction that commits late is never skipped. A notification
 * on `events` (payload: the transaction id) wakes the readers; it never carries the event.
 *
 * Kinds, with `room_id` / `user_id` where they apply and `data`:
 * - `room.inserted`, `room.updated` (`room`: the row; `fields`: whether anything but the message
 *   count and time changed; `subscription`: whether a field the members' subscriptions repeat
 *   changed), `room.deleted` (`room`: the row as it was);
 * - `member.added`, `member.removed` (`member`: the row; `roomDeleted`, `userDeleted` when the
 *   membership went with its group or user), `member.updated` (`member`; `added` and `removed`
 *   room roles, often none);
 * - `message` (`message`: the row);
 * - `user.role` (`type`: added or removed, `role`, `username`).
 *
 * Memberships gain the fields a subscription document needs: a stable `id`, and `updated_at`,
 * set whenever a field the subscription shows changes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('room_members')
    .addColumn('id', 'text', (col) =>
      col.notNull().defaultTo(sql`substr(md5(random()::text || clock_timestamp()::text), 1, 17)`),
    )
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('room_members_id_key')
    .on('room_members')
    .column('id')
    .unique()
    .execute()

  await sql`
    create table events (
      id bigserial not null,
      xid xid8 not null default pg_current_xact_id(),
      created_at timestamptz not null default clock_timestamp(),
      kind text not null,
      room_id text,
      user_id text,
      data jsonb not null,
      primary key (xid, id)
    )`.execute(db)
  await sql`create index events_user_idx on events (user_id, xid, id) where user_id is not null`.execute(
    db,
  )
  await sql`create index events_created_at_idx on events (created_at)`.execute(db)

  await sql`
    create function notify_events() returns trigger language plpgsql as $$
    begin
      perform pg_notify('events', pg_current_xact_id()::text);
      return null;
    end $$`.execute(db)
  await sql`
    create trigger events_notify after insert on events
    for each statement execute function notify_events()`.execute(db)

  await sql`
    create function log_room_event() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into events (kind, room_id, data)
        values ('room.inserted', new.id, jsonb_build_object('room', to_jsonb(new)));
      elsif tg_op = 'UPDATE' then
        insert into events (kind, room_id, data)
        values ('room.updated', new.id, jsonb_build_object(
          'room', to_jsonb(new),
          'fields', to_jsonb(old) - 'msgs' - 'updated_at' <> to_jsonb(new) - 'msgs' - 'updated_at',
          'subscription', old.name is distinct from new.name
            or old.fname is distinct from new.fname
            or old.archived is distinct from new.archived));
      else
        insert into events (kind, room_id, data)
        values ('room.deleted', old.id, jsonb_build_object('room', to_jsonb(old)));
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger rooms_events after insert or delete on rooms
    for each row execute function log_room_event()`.execute(db)
  await sql`
    create trigger rooms_events_update after update on rooms
    for each row when (old is distinct from new) execute function log_room_event()`.execute(db)

  await sql`
    create function room_member_touch() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$`.execute(db)
  await sql`
    create trigger room_members_touch
    before update of roles, open, last_seen_at, username on room_members
    for each row when ((old.roles, old.open, old.last_seen_at, old.username)
      is distinct from (new.roles, new.open, new.last_seen_at, new.username))
    execute function room_member_touch()`.execute(db)

  await sql`
    create function log_member_event() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into events (kind, room_id, user_id, data)
        values ('member.added', new.room_id, new.user_id,
          jsonb_build_object('member', to_jsonb(new)));
      elsif tg_op = 'UPDATE' then
        insert into events (kind, room_id, user_id, data)
        values ('member.updated', new.room_id, new.user_id, jsonb_build_object(
          'member', to_jsonb(new),
          'added', to_jsonb(array(select unnest(new.roles) except select unnest(old.roles))),
          'removed', to_jsonb(array(select unnest(old.roles) except select unnest(new.roles)))));
      else
        insert into events (kind, room_id, user_id, data)
        values ('member.removed', old.room_id, old.user_id, jsonb_build_object(
          'member', to_jsonb(old),
          'roomDeleted', not exists (select 1 from rooms where id = old.room_id),
          'userDeleted', not exists (select 1 from users where id = old.user_id)));
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger room_members_events after insert or delete on room_members
    for each row execute function log_member_event()`.execute(db)
  await sql`
    create trigger room_members_events_update
    after update of roles, open, last_seen_at, username on room_members
    for each row when ((old.roles, old.open, old.last_seen_at, old.username)
      is distinct from (new.roles, new.open, new.last_seen_at, new.username))
    execute function log_member_event()`.execute(db)

  await sql`
    create function log_message_event() returns trigger language plpgsql as $$
    begin
      insert into events (kind, room_id, user_id, data)
      values ('message', new.room_id, new.user_id, jsonb_build_object('message', to_jsonb(new)));
      return null;
    end $$`.execute(db)
  await sql`
    create trigger messages_events after insert on messages
    for each row execute function log_message_event()`.execute(db)

  await sql`
    create function log_user_role_event() returns trigger language plpgsql as $$
    declare
      changed user_roles;
      name text;
    begin
      if tg_op = 'INSERT' then changed := new; else changed := old; end if;
      -- A user created by this transaction is given roles, one being deleted takes them
      -- along: neither is a change of role anyone needs to hear of.
      select username into name from users
      where id = changed.user_id and created_at <> now();
      if name is null then return null; end if;
      insert into events (kind, user_id, data)
      values ('user.role', changed.user_id, jsonb_build_object(
        'type', case when tg_op = 'INSERT' then 'added' else 'removed' end,
        'role', changed.role_id,
        'username', name));
      return null;
    end $$`.execute(db)
  await sql`
    create trigger user_roles_events after insert or delete on user_roles
    for each row execute function log_user_role_event()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger user_roles_events on user_roles`.execute(db)
  await sql`drop function log_user_role_event()`.execute(db)
  await sql`drop trigger messages_events on messages`.execute(db)
  await sql`drop function log_message_event()`.execute(db)
  await sql`drop trigger room_members_events_update on room_members`.execute(db)
  await sql`drop trigger room_members_events on room_members`.execute(db)
  await sql`drop function log_member_event()`.execute(db)
  await sql`drop trigger room_members_touch on room_members`.execute(db)
  await sql`drop function room_member_touch()`.execute(db)
  await sql`drop trigger rooms_events_update on rooms`.execute(db)
  await sql`drop trigger rooms_events on rooms`.execute(db)
  await sql`drop function log_room_event()`.execute(db)
  await sql`drop table events`.execute(db)
  await sql`drop function notify_events()`.execute(db)
  await db.schema.dropIndex('room_members_id_key').execute()
  await db.schema.alterTable('room_members').dropColumn('id').dropColumn('updated_at').execute()
}
