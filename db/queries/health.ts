import { sql } from 'kysely'
import type { Executor } from '../executor.js'

export async function ping(db: Executor) {
  await sql`select 1`.execute(db)
}

/** The migrations recorded as applied; none when the database was never migrated. */
export async function appliedMigrationNames(db: Executor): Promise<string[]> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db)
    return rows.map((row) => row.name)
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return []
    throw error
  }
}
