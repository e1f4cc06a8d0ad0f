import { type Kysely, sql } from 'kysely'

/**
 * Who is online: one row per authenticated realtime connection, on whichever process holds it.
 * Each process bumps `seen_at` of its own rows on a heartbeat and deletes rows nobody has
 * bumped for a while, so the rows of a process that died go with them.
 *
 * Unlogged, like the rate-limit counters: a crash or a failover loses only rows the live
 * processes write again on their next heartbeat. No index on `seen_at`, which every heartbeat
 * changes: updates stay HOT, and the sweep reads a table of one row per open connection.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('presence_connections')
    .modifyFront(sql`unlogged`)
    .addColumn('connection_id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('process_id', 'text', (col) => col.notNull())
    .addColumn('seen_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('presence_connections_user_id_idx')
    .on('presence_connections')
    .column('user_id')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('presence_connections').execute()
}
