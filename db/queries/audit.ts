import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { Page } from './listing.js'

export interface NewAuditEntry {
  actorId: string | null
  actorUsername: string | null
  roomId: string | null
  action: string
  before: unknown
  after: unknown
}

// Passed as JSON text: pg would send a JS array as a PostgreSQL array, not as JSON.
const asJson = (value: unknown) =>
  value === undefined || value === null ? null : sql<unknown>`${JSON.stringify(value)}::jsonb`

export async function insertAuditEntry(db: Executor, entry: NewAuditEntry) {
  await db
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      actor_username: entry.actorUsername,
      room_id: entry.roomId,
      action: entry.action,
      before: asJson(entry.before),
      after: asJson(entry.after),
    })
    .execute()
}

/**
 * A page of the log, all of it or one room's, in the order the entries were written (or the
 * reverse): the id follows the write order and the (room_id, id) index serves it.
 */
export async function listAuditEntries(
  db: Executor,
  filter: { roomId?: string | undefined },
  page: Page,
  direction: 'asc' | 'desc' = 'asc',
) {
  let query = db.selectFrom('audit_log').selectAll()
  if (filter.roomId !== undefined) query = query.where('room_id', '=', filter.roomId)
  return query.orderBy('id', direction).offset(page.offset).limit(page.count).execute()
}

export async function countAuditEntries(db: Executor, filter: { roomId?: string | undefined }) {
  let query = db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('count'))
  if (filter.roomId !== undefined) query = query.where('room_id', '=', filter.roomId)
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}
