import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('topic', 'text')
    .addColumn('description', 'text')
    .addColumn('purpose', 'text')
    .addColumn('announcement', 'text')
    .addColumn('custom_fields', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('archived', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute()

  await db.schema
    .alterTable('room_members')
    .addColumn('last_seen_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('created_at', 'timestamptz', (col) =>
      col.notNull().defaultTo(sql`clock_timestamp()`),
    )
    .addColumn('actor_id', 'text')
    .addColumn('actor_username', 'text')
    .addColumn('room_id', 'text')
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .execute()
  await db.schema
    .createIndex('audit_log_room_id_id_idx')
    .on('audit_log')
    .columns(['room_id', 'id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute()
  await db.schema.alterTable('room_members').dropColumn('last_seen_at').execute()
  await db.schema
    .alterTable('rooms')
    .dropColumn('topic')
    .dropColumn('description')
    .dropColumn('purpose')
    .dropColumn('announcement')
    .dropColumn('custom_fields')
    .dropColumn('archived')
    .execute()
}
