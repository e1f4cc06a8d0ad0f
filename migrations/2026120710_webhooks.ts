import { type Kysely, sql } from 'kysely'

/**
 * Outgoing webhooks. `webhooks`: one row per endpoint, with its filters, its signing secret (and
 * the previous one while a rotation overlaps), both encrypted, its cursor in the event log, and the lease of the process delivering to it
 * (one at a time; a lease that is not renewed lapses, so a process that died hands it on).
 * `webhook_deliveries`: one row per event sent to an endpoint, with the number of attempts and
 * when the next is due; `webhook_attempts`: each attempt's outcome and its truncated response.
 * The permission `manage-outgoing-integrations` (Rocket.Chat's name) is granted to admins.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('events', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('room_ids', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', 'timestamptz')
    .addColumn('cursor_xid', sql`xid8`, (col) => col.notNull())
    .addColumn('cursor_id', 'bigint', (col) => col.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('webhook_id', 'text', (col) =>
      col.notNull().references('webhooks.id').onDelete('cascade'),
    )
    .addColumn('message_id', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col.notNull().defaultTo('pending').check(sql`status in ('pending', 'succeeded', 'failed')`),
    )
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_webhook_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'id'])
    .execute()

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('delivery_id', 'bigint', (col) =>
      col.notNull().references('webhook_deliveries.id').onDelete('cascade'),
    )
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_body', 'text')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('webhook_attempts_delivery_idx')
    .on('webhook_attempts')
    .columns(['delivery_id', 'id'])
    .execute()

  await sql`insert into permissions (id) values ('manage-outgoing-integrations')`.execute(db)
  await sql`insert into permission_roles (permission_id, role_id)
    values ('manage-outgoing-integrations', 'admin')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from permissions where id = 'manage-outgoing-integrations'`.execute(db)
  await db.schema.dropTable('webhook_attempts').execute()
  await db.schema.dropTable('webhook_deliveries').execute()
  await db.schema.dropTable('webhooks').execute()
}
