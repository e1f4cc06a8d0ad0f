import { sql } from 'kysely'
import type { Executor } from '../executor.js'

export interface WindowHit {
  /** Hits in the current window, this one included. */
  count: number
  /** Milliseconds until the window closes. */
  ttlMs: number
}

/** Milliseconds from the database's clock to a timestamp column, so every process agrees. */
export const millisecondsUntil = (column: string) =>
  sql<number>`greatest(0, ceil(extract(epoch from (${sql.ref(column)} - now())) * 1000))::integer`

export const windowEnd = (windowMs: number) =>
  sql<Date>`now() + make_interval(secs => ${windowMs / 1000})`

/**
 * Counts one request against `key` in one statement: concurrent requests from any process
 * queue on the row, so no two see the same count.
 */
export async function hitRateLimit(
  db: Executor,
  key: string,
  windowMs: number,
): Promise<WindowHit> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, count: 1, reset_at: windowEnd(windowMs) })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        count: sql`case when rate_limits.reset_at <= now() then 1 else rate_limits.count + 1 end`,
        reset_at: sql`case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end`,
      }),
    )
    .returning(['count', millisecondsUntil('reset_at').as('ttlMs')])
    .executeTakeFirstOrThrow()
  return { count: row.count, ttlMs: row.ttlMs }
}

export async function deleteExpiredRateLimits(db: Executor) {
  await db.deleteFrom('rate_limits').where('reset_at', '<=', sql<Date>`now()`).execute()
}
