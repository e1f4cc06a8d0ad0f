import type { Executor } from '../../db/executor.js'
import { insertMessages } from '../../db/queries/messages.js'
import { touchRoom } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { randomId } from '../ids.js'

export interface SystemMessage {
  /** Rocket.Chat's message type: `ul` left, `r` renamed, `au` added, `ru` removed… */
  type: string
  msg: string
  role?: string
}

/**
 * Writes system messages to a room and counts them in `msgs`, applying any member-count
 * change in the same update; returns the room as it now is.
 */
export async function recordSystemMessages(
  db: Executor,
  roomId: string,
  actor: Actor,
  messages: SystemMessage[],
  change: { usersCount?: number; name?: string } = {},
) {
  await insertMessages(
    db,
    messages.map((message) => ({
      id: randomId(),
      room_id: roomId,
      type: message.type,
      msg: message.msg,
      role: message.role ?? null,
      user_id: actor.id,
      username: actor.username,
    })),
  )
  return touchRoom(db, roomId, { ...change, msgs: messages.length })
}
