import { type Kysely, sql } from 'kysely'

/**
 * The event log keeps changes for a while, then each process deletes the oldest. One row
 * records `pruned_before`: events logged before that moment may be gone (null until the first
 * prune), so a client asking for changes since an earlier moment must reload everything instead.
 * Pruners lock the row, so they take turns.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_log_state')
    .addColumn('id', 'boolean', (col) => col.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('pruned_before', 'timestamptz')
    .execute()
  await sql`insert into event_log_state default values`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_log_state').execute()
}
