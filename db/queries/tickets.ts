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

/**
 * Uses a ticket up: deletes it and answers the login's token hash, or undefined when the ticket
 * is unknown, used already or expired. One statement, so two uses at once cannot both succeed.
 */
export async function takeTicket(db: Executor, hashedTicket: string) {
  const row = await db
    .deleteFrom('event_tickets')
    .where('hashed_ticket', '=', hashedTicket)
    .returning(['hashed_token', 'expires_at'])
    .executeTakeFirst()
  return row && row.expires_at.getTime() > Date.now() ? row.hashed_token : undefined
}

/** Deletes the tickets that expired unused. */
export async function deleteExpiredTickets(db: Executor) {
  const result = await db
    .deleteFrom('event_tickets')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
