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

function oneMillisecondAfter(time: Date) {
  return new Date(time.getTime() + 1)
}

/**
 * A room's messages, newest first, within an optional time window. Stored times have
 * microseconds but the API shows milliseconds, so the bounds compare at millisecond
 * precision: a message's own `ts` sent back as a bound must select that message exactly.
 */
export async function listRoomMessages(db: Executor, roomId: string, window: MessageWindow) {
  let query = db.selectFrom('messages').selectAll().where('room_id', '=', roomId)
  if (window.latest) {
    const end = window.inclusive ? oneMillisecondAfter(window.latest) : window.latest
    query = query.where('created_at', '<', end)
  }
  if (window.oldest) {
    const start = window.inclusive ? window.oldest : oneMillisecondAfter(window.oldest)
    query = query.where('created_at', '>=', start)
  }
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(window.offset)
    .limit(window.count)
    .execute()
}
