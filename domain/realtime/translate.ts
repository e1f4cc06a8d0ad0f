import type { Room } from '../../db/types.js'
import {
  messageDocument,
  removedSubscription,
  roomDocument,
  subscriptionDocument,
} from './documents.js'
import type { EventOf, LogEvent, LoggedMember, LogPosition } from './log/vocabulary.js'
import { eventId, Payload, STREAM } from './payload.js'

/**
 * What one committed transaction means for connections, decided here and nowhere else: a pure
 * function of the transaction's events and the facts read with them (facts.ts). The registry
 * (registry.ts) then carries the steps out, in order, for the connections it holds; a replay
 * (history.ts) carries them out for one user.
 */

/** Who a payload goes to, resolved when the step is carried out (memberships change in between). */
export type Target =
  /** One user, if they are in the group `inRoom` at that point (when given). */
  | { user: string; inRoom?: string }
  /** A group's members at that point, but those who joined in this transaction. */
  | { room: string; except?: ReadonlySet<string> }
  /** Every connection. */
  | { everyone: true }

export type Step =
  | { step: 'join'; user: string; room: string }
  | { step: 'leave'; user: string; room: string }
  /** With `perUser`, each user gets the payload under their own event name (`<userId>/<perUser>`). */
  | { step: 'send'; to: Target; payload: Payload; perUser?: string }
  /** The user is out of the group: what their connections follow of it ends. */
  | { step: 'leftRoom'; user: string; room: string }
  /** The user is gone: their connections close, told nothing. */
  | { step: 'revoke'; user: string }

/** What a transaction's steps need that its events do not say. */
export interface Facts {
  /** Groups its member events and messages name without carrying, as they are now. */
  rooms: ReadonlyMap<string, Room>
  /** Members' rows at the transaction's end, of groups whose subscription fields changed. */
  members: ReadonlyMap<string, readonly LoggedMember[]>
}

export const NO_FACTS: Facts = { rooms: new Map(), members: new Map() }

/** The group each changed-group event leaves, by id, with what changed over the transaction. */
export interface RoomChange {
  room: Room
  fields: boolean
  subscription: boolean
  deleted: boolean
  /** The last of the transaction's events about the group: the payloads' ids come from it. */
  source: LogPosition
}

/** The transaction's changes to groups, merged per group. */
export function roomChanges(events: readonly LogEvent[]): Map<string, RoomChange> {
  const rooms = new Map<string, RoomChange>()
  for (const event of events) {
    if (!event.kind.startsWith('room.')) continue
    const { roomId, data } = event as EventOf<'room.updated'>
    const previous = rooms.get(roomId)
    rooms.set(roomId, {
      room: data.room,
      fields: Boolean(previous?.fields || data.fields),
      subscription: Boolean(previous?.subscription || data.subscription),
      deleted: event.kind === 'room.deleted',
      source: event,
    })
  }
  return rooms
}

const toUser = (user: string, event: string, id: string, args: unknown[]): Step => ({
  step: 'send',
  to: { user },
  payload: new Payload(STREAM.user, `${user}/${event}`, id, args),
})

function roleChange(
  id: string,
  type: 'added' | 'removed',
  role: string,
  user: { _id: string; username: string },
  scope?: string,
): Step {
  const change = { type, _id: role, u: user, ...(scope ? { scope } : {}) }
  return {
    step: 'send',
    to: scope ? { room: scope } : { everyone: true },
    payload: new Payload(STREAM.logged, 'roles-change', id, [change]),
  }
}

/**
 * The steps of one transaction. Within it, connections receive: each joining or leaving
 * member's own subscription (and group) changes, then the changed subscriptions and group of
 * everyone still in it, then its messages, then role changes.
 */
export function translate(events: readonly LogEvent[], facts: Facts): Step[] {
  const rooms = roomChanges(events)
  const roomOf = (id: string) => rooms.get(id)?.room ?? facts.rooms.get(id)
  const steps: Step[] = []
  const roles: Step[] = []
  /** Per group, who joined in this transaction (and is still in at its end). */
  const joined = new Map<string, Set<string>>()
  /** Global roles are often replaced whole (removed, then added back): only the net change counts. */
  const globalRoles = new Map<string, { first: string; last: string; step: Step }>()

  for (const event of events) {
    switch (event.kind) {
      case 'member.added': {
        const { roomId, userId, data } = event
        steps.push({ step: 'join', user: userId, room: roomId })
        joined.set(roomId, (joined.get(roomId) ?? new Set()).add(userId))
        const room = roomOf(roomId)
        if (!room) break
        const subscription = subscriptionDocument(room, data.member)
        steps.push(
          toUser(userId, 'subscriptions-changed', eventId(event, 0), ['inserted', subscription]),
          toUser(userId, 'rooms-changed', eventId(event, 1), ['inserted', roomDocument(room)]),
        )
        break
      }
      case 'member.removed': {
        const { roomId, userId, data } = event
        steps.push({ step: 'leave', user: userId, room: roomId })
        joined.get(roomId)?.delete(userId)
        if (data.userDeleted) {
          steps.push({ step: 'revoke', user: userId })
          break
        }
        const removed = removedSubscription(data.member)
        steps.push(toUser(userId, 'subscriptions-changed', eventId(event, 0), ['removed', removed]))
        if (data.roomDeleted) {
          const gone = ['removed', { _id: roomId }]
          steps.push(toUser(userId, 'rooms-changed', eventId(event, 1), gone))
        }
        steps.push({ step: 'leftRoom', user: userId, room: roomId })
        break
      }
      case 'member.updated': {
        const { roomId, userId, data } = event
        const user = { _id: userId, username: data.member.username }
        // Slot 0 is the member's own subscription; each role change takes the next.
        let slot = 1
        for (const role of data.added) {
          roles.push(roleChange(eventId(event, slot++), 'added', role, user, roomId))
        }
        for (const role of data.removed) {
          roles.push(roleChange(eventId(event, slot++), 'removed', role, user, roomId))
        }
        const room = roomOf(roomId)
        if (!room) break
        const subscription = subscriptionDocument(room, data.member)
        steps.push({
          step: 'send',
          to: { user: userId, inRoom: roomId },
          payload: new Payload(STREAM.user, `${userId}/subscriptions-changed`, eventId(event, 0), [
            'updated',
            subscription,
          ]),
        })
        break
      }
      case 'user.role': {
        const { userId, data } = event
        const key = `${userId}\n${data.role}`
        const seen = globalRoles.get(key)
        if (seen) seen.last = data.type
        else {
          const user = { _id: userId, username: data.username }
          const step = roleChange(eventId(event, 0), data.type, data.role, user)
          globalRoles.set(key, { first: data.type, last: data.type, step })
        }
        break
      }
      default:
    }
  }

  for (const [roomId, change] of rooms) {
    if (change.deleted || (!change.fields && !change.subscription)) continue
    const except = joined.get(roomId)
    if (change.subscription) {
      for (const member of facts.members.get(roomId) ?? []) {
        if (except?.has(member.user_id)) continue
        const subscription = subscriptionDocument(change.room, member)
        steps.push({
          step: 'send',
          to: { user: member.user_id, inRoom: roomId },
          payload: new Payload(
            STREAM.user,
            `${member.user_id}/subscriptions-changed`,
            eventId(change.source, 0),
            ['updated', subscription],
          ),
        })
      }
    }
    if (change.fields) {
      const args = ['updated', roomDocument(change.room)]
      steps.push({
        step: 'send',
        to: { room: roomId, ...(except ? { except } : {}) },
        payload: new Payload(STREAM.user, 'rooms-changed', eventId(change.source, 1), args),
        perUser: 'rooms-changed',
      })
    }
  }

  for (const event of events) {
    if (event.kind !== 'message') continue
    const { message } = event.data
    const document = messageDocument(message)
    const to = { room: message.room_id }
    const own = new Payload(STREAM.roomMessages, message.room_id, eventId(event, 0), [document])
    const mine = new Payload(STREAM.roomMessages, '__my_messages__', eventId(event, 1), [
      document,
      { roomParticipant: true, roomType: 'p', roomName: roomOf(message.room_id)?.name ?? '' },
    ])
    steps.push({ step: 'send', to, payload: own }, { step: 'send', to, payload: mine })
  }

  for (const { first, last, step } of globalRoles.values()) {
    if (first === last) roles.push(step)
  }
  return steps.concat(roles)
}

/** The groups a transaction's steps need from storage: named by its events, not carried. */
export function roomsNamed(events: readonly LogEvent[]): string[] {
  const carried = roomChanges(events)
  const named = new Set<string>()
  for (const event of events) {
    if (event.kind === 'member.added' || event.kind === 'member.updated') named.add(event.roomId)
    else if (event.kind === 'message') named.add(event.roomId)
  }
  return [...named].filter((id) => !carried.has(id))
}
