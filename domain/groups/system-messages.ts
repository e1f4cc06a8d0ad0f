import type { NewMessage } from '../../db/types.js'
import type { Actor } from '../actor.js'
import { randomId } from '../ids.js'

export interface SystemMessage {
  /** Rocket.Chat's message type: `ul` left, `r` renamed, `au` added, `ru` removed… */
  type: string
  msg: string
  role?: string
}

export function systemMessageRows(
  roomId: string,
  actor: Actor,
  messages: SystemMessage[],
): NewMessage[] {
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
