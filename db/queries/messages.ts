import type { Executor } from '../executor.js'
import type { NewMessage } from '../types.js'

export async function insertMessages(db: Executor, messages: NewMessage[]) {
  if (messages.length === 0) return
  await db.insertInto('messages').values(messages).execute()
}

export interface MessageWindow {
  latest?: Date | undefined
  oldest?: Date | undefined
  inclusive: boolean
  offset: number
  count: number
}

/** A room's messages, newest first, within an optional time window. */
export async function listRoomMessages(db: Executor, roomId: string, window: MessageWindow) {
  let query = db.selectFrom('messages').selectAll().where('room_id', '=', roomId)
  if (window.latest) query = query.where('created_at', window.inclusive ? '<=' : '<', window.latest)
  if (window.oldest) query = query.where('created_at', window.inclusive ? '>=' : '>', window.oldest)
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(window.offset)
    .limit(window.count)
    .execute()
}
