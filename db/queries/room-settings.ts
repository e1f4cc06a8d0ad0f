import { sql, type Updateable } from 'kysely'
import type { Executor } from '../executor.js'
import type { RoomsTable } from '../types.js'

export type RoomSettings = Pick<
  Updateable<RoomsTable>,
  'topic' | 'description' | 'purpose' | 'announcement' | 'read_only' | 'archived'
>

/** Writes settings of a room; the caller marks it updated (with its system messages). */
export async function updateRoomSettings(db: Executor, roomId: string, settings: RoomSettings) {
  await db.updateTable('rooms').set(settings).where('id', '=', roomId).execute()
}

/**
 * Replaces a room's custom fields; false when they already were these (compared as JSON
 * values, so key order does not count as a change).
 */
export async function replaceCustomFields(
  db: Executor,
  roomId: string,
  fields: Record<string, unknown>,
): Promise<boolean> {
  // Passed as JSON text: pg would send a nested JS array as a PostgreSQL array, not as JSON.
  const value = sql<Record<string, unknown>>`${JSON.stringify(fields)}::jsonb`
  const result = await db
    .updateTable('rooms')
    .set({ custom_fields: value })
    .where('id', '=', roomId)
    .where(sql<boolean>`custom_fields is distinct from ${value}`)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
