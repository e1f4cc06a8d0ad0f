import { type Kysely, sql } from 'kysely'

/**
 * `subscriptions.get` and `rooms.get` read one user's removals after a moment. Only
 * `member.removed` rows are indexed: the log's other rows (messages above all) outnumber them by
 * far and are never read this way.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index events_member_removed_idx on events (user_id, created_at)
    where kind = 'member.removed'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index events_member_removed_idx`.execute(db)
}
