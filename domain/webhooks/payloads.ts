import type { WebhookEventType } from '../../schemas/webhooks.js'
import type { EventOf, LogEvent } from '../realtime/log/vocabulary.js'

/** One webhook event: Standard Webhooks' `{type, timestamp, data}`, with its id and group. */
export interface WebhookEvent {
  /** The `webhook-id`: the logged event's position (`xid.id`), the same on every retry. */
  id: string
  type: WebhookEventType
  roomId: string
  payload: { type: WebhookEventType; timestamp: string; data: Record<string, unknown> }
}

type RoomRow = EventOf<'room.updated'>['data']['room']

/** The group settings `group.updated` reports, by their name in the payload. */
const SETTINGS = {
  topic: 'topic',
  announcement: 'announcement',
  description: 'description',
  readOnly: 'read_only',
  type: 'type',
} as const satisfies Record<string, keyof RoomRow>

function settingsChanged(room: RoomRow, previous: RoomRow): Record<string, unknown> | undefined {
  const changed = Object.entries(SETTINGS).filter(([, column]) => room[column] !== previous[column])
  if (changed.length === 0) return undefined
  return Object.fromEntries(changed.map(([name, column]) => [name, room[column]]))
}

/**
 * The webhook events of one committed transaction, in log order: one per group event, however
 * many rows it touched (a rename's system message and message count are part of the rename).
 * System messages say who acted and why a member went; they are not events of their own.
 */
export function webhookEvents(events: readonly LogEvent[]): WebhookEvent[] {
  const messages = events.flatMap((event) => (event.kind === 'message' ? [event.data.message] : []))
  const created = events.find((event) => event.kind === 'room.inserted')
  const out: WebhookEvent[] = []
  for (const event of events) {
    const emit = (type: WebhookEventType, data: Record<string, unknown>, slot?: number) => {
      const roomId = 'roomId' in event ? event.roomId : ''
      out.push({
        id: slot ? `${event.xid}.${event.id}.${slot}` : `${event.xid}.${event.id}`,
        type,
        roomId,
        payload: { type, timestamp: event.createdAt.toISOString(), data: { roomId, ...data } },
      })
    }
    switch (event.kind) {
      case 'room.inserted':
        emit('group.created', {
          name: event.data.room.name,
          createdBy: event.data.room.creator_id,
        })
        break
      case 'room.updated': {
        const { room, previous } = event.data
        if (!previous) {
          if (event.data.fields) emit('group.updated', {})
          break
        }
        if (room.name !== previous.name) {
          emit('group.renamed', { name: room.name, previousName: previous.name })
        } else if (room.archived !== previous.archived) {
          emit(room.archived ? 'group.archived' : 'group.unarchived', {})
        } else {
          const changes = settingsChanged(room, previous)
          if (changes) emit('group.updated', changes)
        }
        break
      }
      case 'room.deleted':
        emit('group.deleted', {})
        break
      case 'member.added': {
        const { member } = event.data
        const announced = messages.find(
          (message) => ['au', 'uj'].includes(message.type ?? '') && message.msg === member.username,
        )
        emit('member.added', {
          userId: member.user_id,
          username: member.username,
          by: announced?.user_id ?? (created ? member.user_id : null),
        })
        break
      }
      case 'member.removed': {
        const { member, roomDeleted, userDeleted } = event.data
        const left = messages.some(
          (message) => message.type === 'ul' && message.user_id === member.user_id,
        )
        const reason = roomDeleted || userDeleted ? 'deleted' : left ? 'left' : 'kicked'
        emit('member.removed', { userId: member.user_id, reason })
        break
      }
      case 'member.updated': {
        const changes = [
          ...event.data.added.map((role) => ['member.roleAdded', role] as const),
          ...event.data.removed.map((role) => ['member.roleRemoved', role] as const),
        ]
        for (const [slot, [type, role]] of changes.entries()) {
          emit(type, { userId: event.userId, role }, slot)
        }
        break
      }
    }
  }
  return out
}

/** Whether an endpoint with these filters is sent the event (an empty filter lets all through). */
export function matches(
  filters: { events: readonly string[]; roomIds: readonly string[] },
  event: WebhookEvent,
): boolean {
  return (
    (filters.events.length === 0 || filters.events.includes(event.type)) &&
    (filters.roomIds.length === 0 || filters.roomIds.includes(event.roomId))
  )
}
