import type { Executor } from '../../db/executor.js'
import { applyRoomChange, type RoomChange } from '../../db/queries/rooms.js'
import type { NewMessage } from '../../db/types.js'
import type { Actor } from '../actor.js'
import { randomId } from '../ids.js'

export interface SystemMessage {
  /** Rocket.Chat's message type: `ul` left, `r` renamed, `au` added, `ru` removed… */
  type: string
  msg: string
  role?: string
}

function messageRows(roomId: string, actor: Actor, messages: SystemMessage[]): NewMessage[] {
  return messages.map((message) => ({
    id: randomId(),
    room_id: roomId,
    type: message.type,
    msg: message.msg,
    role: message.role ?? null,
    user_id: actor.id,
    username: actor.username,
  }))
}

/**
 * Writes system messages to a room and counts them in `msgs`, applying any member-count
 * change, in one statement; returns the room as it now is.
 */
export async function recordSystemMessages(
  db: Executor,
  roomId: string,
  actor: Actor,
  messages: SystemMessage[],
  change: Omit<RoomChange, 'msgs'> = {},
) {
  const rows = messageRows(roomId, actor, messages)
  return applyRoomChange(db, roomId, { ...change, msgs: rows.length }, rows)
}
