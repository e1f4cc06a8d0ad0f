import { type Kysely, sql } from 'kysely'

/**
 * Every change to what a login resolves to (a token, a user's name, activity or global roles,
 * the roles a permission lists) sends a notification on the `auth_changes` channel from inside
 * the transaction that makes it, so PostgreSQL delivers it only once that transaction commits,
 * whoever made the change: the service, the command-line tool or SQL typed by hand. Processes
 * caching logins listen on the channel and forget what changed.
 *
 * Payloads: `token:<hashed token>`, `user:<user id>`, `permissions`, or `all` after a TRUNCATE.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function notify_auth_token_deleted() returns trigger language plpgsql as $$
    begin
      perform pg_notify('auth_changes', 'token:' || old.hashed_token);
      return null;
    end $$`.execute(db)
  await sql`
    create function notify_auth_user_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform pg_notify('auth_changes', 'user:' || old.id);
      else
        perform pg_notify('auth_changes', 'user:' || new.id);
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create function notify_auth_user_roles_changed() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('auth_changes', 'user:' || old.user_id);
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        perform pg_notify('auth_changes', 'user:' || new.user_id);
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create function notify_auth_statement() returns trigger language plpgsql as $$
    begin
      perform pg_notify('auth_changes', tg_argv[0]);
      return null;
    end $$`.execute(db)

  await sql`
    create trigger login_tokens_auth_change after delete on login_tokens
    for each row execute function notify_auth_token_deleted()`.execute(db)
  await sql`
    create trigger users_auth_change after update of username, name, active on users
    for each row
    when (old.username is distinct from new.username
      or old.name is distinct from new.name
      or old.active is distinct from new.active)
    execute function notify_auth_user_changed()`.execute(db)
  await sql`
    create trigger users_auth_delete after delete on users
    for each row execute function notify_auth_user_changed()`.execute(db)
  await sql`
    create trigger user_roles_auth_change after insert or update or delete on user_roles
    for each row execute function notify_auth_user_roles_changed()`.execute(db)
  await sql`
    create trigger permission_roles_auth_change
    after insert or update or delete or truncate on permission_roles
    for each statement execute function notify_auth_statement('permissions')`.execute(db)
  for (const table of ['login_tokens', 'users', 'user_roles']) {
    await sql`
      create trigger ${sql.id(`${table}_auth_truncate`)} after truncate on ${sql.table(table)}
      for each statement execute function notify_auth_statement('all')`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['login_tokens', 'users', 'user_roles']) {
    await sql`drop trigger ${sql.id(`${table}_auth_truncate`)} on ${sql.table(table)}`.execute(db)
  }
  await sql`drop trigger permission_roles_auth_change on permission_roles`.execute(db)
  await sql`drop trigger user_roles_auth_change on user_roles`.execute(db)
  await sql`drop trigger users_auth_delete on users`.execute(db)
  await sql`drop trigger users_auth_change on users`.execute(db)
  await sql`drop trigger login_tokens_auth_change on login_tokens`.execute(db)
  await sql`drop function notify_auth_statement()`.execute(db)
  await sql`drop function notify_auth_user_roles_changed()`.execute(db)
  await sql`drop function notify_auth_user_changed()`.execute(db)
  await sql`drop function notify_auth_token_deleted()`.execute(db)
}
