// The database's clock, which stamps every row (created_at, updated_at, and so the API's ts,
// _updatedAt and _deletedAt): a test checks such a time against readings of that same clock,
// never against Node's, which may differ from it.
import { sql } from 'kysely'
import type { Executor } from '../../db/executor.js'

/** The database's clock now, in epoch milliseconds (its microseconds as the fraction). */
export async function databaseNow(db: Executor): Promise<number> {
  const { rows } = await sql<{ ms: string | number }>`
    select extract(epoch from clock_timestamp()) * 1000 as ms`.execute(db)
  return Number(rows[0]?.ms)
}

/**
 * Whether a time the API shows (in whole milliseconds) was stamped between two readings of the
 * database's clock, the first taken before what stamped it and the second after.
 */
export function stampedBetween(shown: number, from: number, to: number): boolean {
  return shown >= Math.floor(from) && shown <= Math.ceil(to)
}
