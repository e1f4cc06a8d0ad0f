import { sql } from 'kysely'
import type { Executor } from '../executor.js'

/** Keeps a ticket's hash for the login it stands for, until `expiresAt`. */
export async function insertTicket(
  db: Executor,
  hashedTicket: string,
  hashedToken: string,
  expiresAt: Date,
) {
  await db
    .insertInto('event_tickets')
    .values({ hashed_ticket: hashedTicket, hashed_token: hashedToken, expires_at: expiresAt })
    .execute()
}

/** Deletes the tickets that expired unused. */
export async function deleteExpiredTickets(db: Executor) {
  const result = await db
    .deleteFrom('event_tickets')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Admits a ticket to open a stream and answers the login's token hash, or undefined when it is
 * unknown or expired, or used already and not `resuming`. The first use marks it used; every use
 * keeps it until `keepUntil`. One statement, so two first uses at once cannot both succeed.
 */
export async function admitTicket(
  db: Executor,
  hashedTicket: string,
  { resuming, keepUntil }: { resuming: boolean; keepUntil: Date },
) {
  const now = new Date()
  let query = db
    .updateTable('event_tickets')
    .set({ expires_at: keepUntil, used_at: sql<Date>`coalesce(used_at, ${now})` })
    .where('hashed_ticket', '=', hashedTicket)
    .where('expires_at', '>', now)
  if (!resuming) query = query.where('used_at', 'is', null)
  const row = await query.returning('hashed_token').executeTakeFirst()
  return row?.hashed_token
}

/** Keeps a used ticket until `keepUntil`, unless it has gone (expired, or its login did). */
export async function keepTicket(db: Executor, hashedTicket: string, keepUntil: Date) {
  await db
    .updateTable('event_tickets')
    .set({ expires_at: keepUntil })
    .where('hashed_ticket', '=', hashedTicket)
    .where('used_at', 'is not', null)
    .where('expires_at', '>', new Date())
    .execute()
}
