import { type Kysely, sql } from 'kysely'

/**
 * What resuming from the event log needs.
 *
 * `member.updated` events also carry the row as it was before (`previous`), so a subscription
 * can be shown exactly as it stood at any point of the log: the `previous` of the first update
 * after that point, or the row of the first removal, or, without either, the row as it is now.
 * A replay then sends the very documents live delivery sent.
 *
 * `event_tickets`: single-use tickets for `GET /api/v1/events`, for clients that cannot send
 * login headers (a browser's EventSource). Only the ticket's hash is kept, with the login it
 * stands for, so a ticket dies with its login.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_tickets')
    .addColumn('hashed_ticket', 'text', (col) => col.primaryKey())
    .addColumn('hashed_token', 'text', (col) =>
      col.notNull().references('login_tokens.hashed_token').onDelete('cascade'),
    )
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('event_tickets_expires_at_idx')
    .on('event_tickets')
    .column('expires_at')
    .execute()
  await logMemberEvents(db, { withPrevious: true })
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_tickets').execute()
  await logMemberEvents(db, { withPrevious: false })
}

/** The member trigger's function, with or without the row as it was in `member.updated`. */
async function logMemberEvents(db: Kysely<any>, { withPrevious }: { withPrevious: boolean }) {
  const previous = withPrevious ? sql`'previous', to_jsonb(old),` : sql``
  await sql`
    create or replace function log_member_event() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into events (kind, room_id, user_id, data)
        values ('member.added', new.room_id, new.user_id,
          jsonb_build_object('member', to_jsonb(new)));
      elsif tg_op = 'UPDATE' then
        insert into events (kind, room_id, user_id, data)
        values ('member.updated', new.room_id, new.user_id, jsonb_build_object(
          'member', to_jsonb(new),
          ${previous}
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
}
