import type { Kysely } from 'kysely'

/**
 * `event_tickets.used_at`: when a ticket first opened its stream. A used ticket no longer opens
 * a stream of its own, but still admits that stream's reconnects (requests that carry
 * `Last-Event-ID`) until `expires_at`, which each admission and each minute of an open stream
 * move on, so it lapses a while after its stream was last open. It still dies with its login.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('event_tickets').addColumn('used_at', 'timestamptz').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('event_tickets').where('used_at', 'is not', null).execute()
  await db.schema.alterTable('event_tickets').dropColumn('used_at').execute()
}
