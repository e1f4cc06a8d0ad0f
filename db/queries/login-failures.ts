import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import { millisecondsUntil, windowEnd } from './rate-limits.js'

/**
 * Counts one login attempt against each key in one statement, returning each key's count in
 * the current window; keys are locked in the order given, so give them in a fixed order.
 */
export async function countLoginAttempt(db: Executor, keys: string[], windowMs: number) {
  const rows = await db
    .insertInto('login_failures')
    .values(keys.map((key) => ({ key, count: 1, reset_at: windowEnd(windowMs) })))
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        count: sql`case when login_failures.reset_at <= now() then 1 else login_failures.count + 1 end`,
        reset_at: sql`case when login_failures.reset_at <= now() then excluded.reset_at else login_failures.reset_at end`,
      }),
    )
    .returning(['key', 'count', millisecondsUntil('reset_at').as('ttlMs')])
    .execute()
  return new Map(rows.map((row) => [row.key, row]))
}

export async function deleteLoginFailures(db: Executor, key: string) {
  await db.deleteFrom('login_failures').where('key', '=', key).execute()
}

/** Takes back one attempt counted against `key` in its current window. */
export async function uncountLoginAttempt(db: Executor, key: string) {
  await db
    .updateTable('login_failures')
    .set({ count: sql`count - 1` })
    .where('key', '=', key)
    .where('count', '>', 0)
    .where('reset_at', '>', sql<Date>`now()`)
    .execute()
}

export async function deleteExpiredLoginFailures(db: Executor) {
  await db.deleteFrom('login_failures').where('reset_at', '<=', sql<Date>`now()`).execute()
}
