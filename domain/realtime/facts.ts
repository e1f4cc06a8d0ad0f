import { findRooms } from '../../db/queries/events.js'
import type { Room } from '../../db/types.js'
import type { EventLog, Transaction } from './log/event-log.js'
import type { LoggedMember } from './log/vocabulary.js'
import type { Registry } from './registry.js'
import { type Facts, NO_FACTS, roomChanges, roomsNamed } from './translate.js'

/**
 * Reads what a transaction's steps need beyond its events, for the users a registry holds,
 * before any step is carried out (never in mid-delivery): the groups its events name without
 * carrying, and the rows of members whose subscriptions show a changed group's fields, as
 * they stood at the transaction's end. With `known`, groups read for an earlier transaction
 * are taken from it and those read now are added to it (a replay reads each group once).
 */
export async function readFacts(
  log: EventLog,
  registry: Registry,
  { events, end }: Transaction,
  known?: Map<string, Room>,
): Promise<Facts> {
  const here = (roomId: string) => registry.membersOf(roomId)
  const wanted = roomsNamed(events).filter(
    (roomId) =>
      here(roomId).length > 0 ||
      events.some(
        (event) =>
          (event.kind === 'member.added' || event.kind === 'member.updated') &&
          event.roomId === roomId &&
          registry.has(event.userId),
      ),
  )
  const members = new Map<string, LoggedMember[]>()
  for (const [roomId, change] of roomChanges(events)) {
    if (change.deleted || !change.subscription || here(roomId).length === 0) continue
    members.set(roomId, await log.membersAt(roomId, here(roomId), end))
  }
  if (wanted.length === 0 && members.size === 0) return NO_FACTS
  const rooms = new Map<string, Room>()
  const unknown = wanted.filter((roomId) => {
    const room = known?.get(roomId)
    if (room) rooms.set(roomId, room)
    return !room
  })
  for (const room of await findRooms(log.db, unknown)) {
    rooms.set(room.id, room)
    known?.set(room.id, room)
  }
  return { rooms, members }
}
