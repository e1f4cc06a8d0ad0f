import { type Kysely, sql } from 'kysely'

/**
 * Turns: transaction-scoped advisory locks that make the transactions changing one user's
 * memberships or existence, or one group, go one after another (db/queries/turns.ts).
 * `take_turns` waits for the turn of each user and then of each group it is given, every
 * transaction in the same order (users before groups, each by ascending `hashtext` of the id),
 * so two transactions taking several turns cannot deadlock. It returns the user ids, so a
 * statement can say whose turns it took. The locks' first keys are "user" and "room" in ASCII.
 * Taking a turn gives the transaction no id (xid): a transaction that takes its turns first
 * gets its id after whoever held them committed, and the event log, read in xid order, has
 * their changes in the order they happened.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function take_turns(user_ids text[], room_ids text[]) returns text[]
    language plpgsql as $$
    declare
      turn integer;
    begin
      for turn in select distinct hashtext(id) from unnest(user_ids) as id order by 1 loop
        perform pg_advisory_xact_lock(1970496882, turn);
      end loop;
      for turn in select distinct hashtext(id) from unnest(room_ids) as id order by 1 loop
        perform pg_advisory_xact_lock(1919905645, turn);
      end loop;
      return user_ids;
    end $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function take_turns(text[], text[])`.execute(db)
}
