import { sql } from 'kysely'
import type { Executor } from '../executor.js'

/** A connection as a process knows it. */
export interface LiveConnection {
  connectionId: string
  userId: string
}

type GivenRow = { connection_id: string; user_id: string }

/** Rows bumped before this are a dead process's. */
const expiredBefore = (expiryMs: number) =>
  sql<Date>`now() - make_interval(secs => ${expiryMs / 1000})`

/**
 * Records the connections as this process's and seen now, in one statement: new ones are
 * inserted, known ones bumped, and rows another process swept meanwhile are written again.
 * Connections of users deleted in the meantime are skipped rather than failing the rest.
 */
export async function saveConnections(
  db: Executor,
  processId: string,
  connections: readonly LiveConnection[],
) {
  if (connections.length === 0) return
  const ids = connections.map((connection) => connection.connectionId)
  const userIds = connections.map((connection) => connection.userId)
  const given = sql<GivenRow>`unnest(${ids}::text[], ${userIds}::text[])`
  await db
    .insertInto('presence_connections')
    .columns(['connection_id', 'user_id', 'process_id'])
    .expression((eb) =>
      eb
        .selectFrom(given.as<'c'>(sql`c(connection_id, user_id)`))
        .select(['c.connection_id', 'c.user_id', sql<string>`${processId}::text`.as('process_id')])
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('users').select('users.id').whereRef('users.id', '=', 'c.user_id')),
        ),
    )
    .onConflict((conflict) =>
      conflict.column('connection_id').doUpdateSet({
        user_id: (eb) => eb.ref('excluded.user_id'),
        process_id: (eb) => eb.ref('excluded.process_id'),
        seen_at: sql<Date>`now()`,
      }),
    )
    .execute()
}

export async function deleteConnection(db: Executor, connectionId: string) {
  await db.deleteFrom('presence_connections').where('connection_id', '=', connectionId).execute()
}

export async function deleteProcessConnections(db: Executor, processId: string) {
  await db.deleteFrom('presence_connections').where('process_id', '=', processId).execute()
}

/**
 * Deletes the rows no process has bumped within `expiryMs`. Every process runs it: each skips
 * the rows another is deleting (or a heartbeat is bumping), so none waits and none deadlocks.
 */
export async function deleteExpiredConnections(db: Executor, expiryMs: number) {
  await db
    .deleteFrom('presence_connections')
    .where('connection_id', 'in', (eb) =>
      eb
        .selectFrom('presence_connections')
        .select('connection_id')
        .where('seen_at', '<', expiredBefore(expiryMs))
        .forUpdate()
        .skipLocked(),
    )
    .execute()
}

/** The group's members with a connection seen within `expiryMs`, by username. */
export async function onlineMembers(db: Executor, roomId: string, expiryMs: number) {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.id as _id', 'users.username'])
    .where('room_members.room_id', '=', roomId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('presence_connections')
          .select('presence_connections.connection_id')
          .whereRef('presence_connections.user_id', '=', 'room_members.user_id')
          .where('presence_connections.seen_at', '>=', expiredBefore(expiryMs)),
      ),
    )
    .orderBy('users.username')
    .execute()
}
