import type { Kysely } from 'kysely'

/**
 * A user may have no password: Rocket.Chat's bot `rocket.cat` is created without one, so no
 * password login can ever succeed for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .alterColumn('password_hash', (col) => col.dropNotNull())
    .execute()
}

/** Users without a password cannot be kept: they are deleted, memberships and all. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('users').where('password_hash', 'is', null).execute()
  await db.schema
    .alterTable('users')
    .alterColumn('password_hash', (col) => col.setNotNull())
    .execute()
}
