import { type Kysely, sql } from 'kysely'

/**
 * Each membership keeps its member's username, kept equal to the user's by triggers whoever
 * writes, so a group's usernames (in joining order) are one index-only scan of
 * `room_members_room_order_idx`, whatever the group's size, instead of a join with `users`;
 * and a page of members by username reads `room_members_room_username_idx` in order, joining
 * `users` only for the page.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('room_members').addColumn('username', 'text').execute()
  await sql`update room_members m set username = u.username from users u where u.id = m.user_id`.execute(
    db,
  )
  await db.schema
    .alterTable('room_members')
    .alterColumn('username', (col) => col.setNotNull())
    .execute()

  await sql`
    create function room_member_username() returns trigger language plpgsql as $$
    begin
      new.username := (select username from users where id = new.user_id);
      return new;
    end $$`.execute(db)
  await sql`
    create trigger room_members_username before insert or update of user_id, username
    on room_members for each row execute function room_member_username()`.execute(db)
  await sql`
    create function users_username_to_memberships() returns trigger language plpgsql as $$
    begin
      update room_members set username = new.username where user_id = new.id;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger users_username_to_memberships after update of username on users
    for each row when (old.username is distinct from new.username)
    execute function users_username_to_memberships()`.execute(db)

  await db.schema
    .createIndex('room_members_room_order_idx')
    .on('room_members')
    .columns(['room_id', 'created_at', 'username'])
    .execute()
  await db.schema
    .createIndex('room_members_room_username_idx')
    .on('room_members')
    .columns(['room_id', 'username', 'user_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('room_members_room_username_idx').execute()
  await db.schema.dropIndex('room_members_room_order_idx').execute()
  await sql`drop trigger users_username_to_memberships on users`.execute(db)
  await sql`drop function users_username_to_memberships()`.execute(db)
  await sql`drop trigger room_members_username on room_members`.execute(db)
  await sql`drop function room_member_username()`.execute(db)
  await db.schema.alterTable('room_members').dropColumn('username').execute()
}
