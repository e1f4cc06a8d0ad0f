import type { Message, Room, RoomMember } from '../../db/types.js'
import type { GroupSummaryView } from '../../schemas/groups.js'
import type { MessageView } from '../../schemas/messages.js'
import { toMessageView } from '../groups/read.js'
import { toGroupSummary } from '../groups/view.js'

/** A membership as Rocket.Chat publishes it: a subscription, with the group's names. */
export interface SubscriptionDocument {
  _id: string
  t: 'p'
  ts: string
  ls: string
  name: string
  fname: string
  rid: string
  u: { _id: string; username: string }
  open: boolean
  alert: boolean
  unread: number
  userMentions: number
  groupMentions: number
  roles: string[]
  archived?: boolean
  _updatedAt: string
}

/** What a removed subscription still says: which one, whose, in which group. */
export interface RemovedSubscription {
  _id: string
  rid: string
  u: { _id: string; username: string }
  t: 'p'
}

export type MemberFields = Pick<
  RoomMember,
  'id' | 'room_id' | 'user_id' | 'username' | 'roles' | 'open' | 'created_at' | 'last_seen_at'
> & { updated_at: Date }

function later(a: Date, b: Date) {
  return a.getTime() >= b.getTime() ? a : b
}

/**
 * A member's subscription. It changes with the membership (roles) and with the group's names
 * and archiving, so it counts as updated whenever either row was.
 */
export function subscriptionDocument(room: Room, member: MemberFields): SubscriptionDocument {
  return {
    _id: member.id,
    t: 'p',
    ts: member.created_at.toISOString(),
    ls: member.last_seen_at.toISOString(),
    name: room.name,
    fname: room.fname,
    rid: room.id,
    u: { _id: member.user_id, username: member.username },
    open: member.open,
    alert: false,
    unread: 0,
    userMentions: 0,
    groupMentions: 0,
    roles: member.roles,
    ...(room.archived ? { archived: true } : {}),
    _updatedAt: later(member.updated_at, room.updated_at).toISOString(),
  }
}

export function removedSubscription(member: MemberFields): RemovedSubscription {
  return {
    _id: member.id,
    rid: member.room_id,
    u: { _id: member.user_id, username: member.username },
    t: 'p',
  }
}

export function roomDocument(room: Room): GroupSummaryView {
  return toGroupSummary(room)
}

export function messageDocument(message: Message): MessageView {
  return toMessageView(message)
}

const DATE_FIELDS = new Set(['ts', 'ls', 'lr', '_updatedAt', '_deletedAt'])

/**
 * Rocket.Chat's EJSON for a document: its dates (ISO strings in the REST views) become
 * `{"$date": milliseconds}`, at any depth.
 */
export function toEjson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toEjson)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    // A group's custom fields are its owners' data, kept as they wrote it.
    if (key === 'customFields') {
      out[key] = field
      continue
    }
    out[key] =
      DATE_FIELDS.has(key) && typeof field === 'string'
        ? { $date: Date.parse(field) }
        : toEjson(field)
  }
  return out
}
