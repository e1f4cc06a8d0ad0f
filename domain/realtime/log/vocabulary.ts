import { type StaticDecode, type TSchema, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { EventRow, LogPosition } from '../../../db/queries/events.js'

export type { EventRow, LogPosition }

/**
 * What the event log says, kind by kind: the rows the triggers write (db/schema.sql has their
 * live definitions), as TypeBox schemas. A row is parsed once, where it leaves storage
 * (event-log.ts), into a `LogEvent`: the union below, with the row's JSON dates as `Date`s.
 *
 * A new kind of event is added in three places: its trigger (a migration), its schema here, and
 * what it means for connections in translate.ts.
 */

/** A timestamp as the log's JSON holds it (`to_jsonb` of a timestamptz), read as a `Date`. */
const Timestamp = Type.Transform(Type.String())
  .Decode((text) => new Date(text))
  .Encode((date) => date.toISOString())

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** A `rooms` row as `to_jsonb` writes it. */
export const LoggedRoomSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  fname: Type.String(),
  type: Type.String(),
  creator_id: Type.String(),
  creator_username: Type.String(),
  msgs: Type.Number(),
  users_count: Type.Number(),
  read_only: Type.Boolean(),
  sys_mes: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  topic: Nullable(Type.String()),
  description: Nullable(Type.String()),
  purpose: Nullable(Type.String()),
  announcement: Nullable(Type.String()),
  custom_fields: Type.Record(Type.String(), Type.Unknown()),
  archived: Type.Boolean(),
})

/** A `room_members` row as `to_jsonb` writes it. */
export const LoggedMemberSchema = Type.Object({
  id: Type.String(),
  room_id: Type.String(),
  user_id: Type.String(),
  username: Type.String(),
  roles: Type.Array(Type.String()),
  open: Type.Boolean(),
  created_at: Timestamp,
  last_seen_at: Timestamp,
  updated_at: Timestamp,
})

/** A `messages` row as `to_jsonb` writes it. */
export const LoggedMessageSchema = Type.Object({
  id: Type.String(),
  room_id: Type.String(),
  type: Nullable(Type.String()),
  msg: Type.String(),
  role: Nullable(Type.String()),
  user_id: Type.String(),
  username: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
})

const roomId = Type.String()
const userId = Type.String()

/** Each kind: the row's `kind`, `room_id`, `user_id` and `data`. */
const kinds = {
  'room.inserted': Type.Object({ roomId, data: Type.Object({ room: LoggedRoomSchema }) }),
  'room.updated': Type.Object({
    roomId,
    data: Type.Object({
      room: LoggedRoomSchema,
      /** The row before the change (absent from events logged before it was recorded). */
      previous: Type.Optional(LoggedRoomSchema),
      /** Something members see changed (not only the message count). */
      fields: Type.Boolean(),
      /** A field the members' subscriptions repeat changed (names, archiving). */
      subscription: Type.Boolean(),
    }),
  }),
  'room.deleted': Type.Object({ roomId, data: Type.Object({ room: LoggedRoomSchema }) }),
  'member.added': Type.Object({
    roomId,
    userId,
    data: Type.Object({ member: LoggedMemberSchema }),
  }),
  'member.updated': Type.Object({
    roomId,
    userId,
    data: Type.Object({
      member: LoggedMemberSchema,
      /** The row before the change (absent from events logged before it was recorded). */
      previous: Type.Optional(LoggedMemberSchema),
      added: Type.Array(Type.String()),
      removed: Type.Array(Type.String()),
    }),
  }),
  'member.removed': Type.Object({
    roomId,
    userId,
    data: Type.Object({
      member: LoggedMemberSchema,
      roomDeleted: Type.Boolean(),
      userDeleted: Type.Boolean(),
    }),
  }),
  message: Type.Object({ roomId, userId, data: Type.Object({ message: LoggedMessageSchema }) }),
  'user.role': Type.Object({
    userId,
    data: Type.Object({
      type: Type.Union([Type.Literal('added'), Type.Literal('removed')]),
      role: Type.String(),
      username: Type.String(),
    }),
  }),
}

export type EventKind = keyof typeof kinds
export const EVENT_KINDS = Object.keys(kinds) as EventKind[]

/** One logged event, parsed: its position, time and kind, and what that kind carries. */
export type LogEvent = {
  [K in EventKind]: LogPosition & { kind: K; createdAt: Date } & StaticDecode<(typeof kinds)[K]>
}[EventKind]

export type EventOf<K extends EventKind> = Extract<LogEvent, { kind: K }>
export type LoggedMember = EventOf<'member.added'>['data']['member']

const checks = new Map(
  EVENT_KINDS.map((kind) => [kind, TypeCompiler.Compile(kinds[kind])] as const),
)

/** Why a row could not be read as an event. */
export class UnreadableEvent extends Error {
  constructor(
    readonly position: LogPosition,
    readonly kind: string,
    reason: string,
  ) {
    super(`event ${position.xid}.${position.id} (${kind}) is unreadable: ${reason}`)
    this.name = 'UnreadableEvent'
  }
}

/** Parses a row into its event, or throws `UnreadableEvent`. */
export function parseEvent(row: EventRow): LogEvent {
  const position = { xid: row.xid, id: Number(row.id) }
  const check = checks.get(row.kind as EventKind)
  if (!check) throw new UnreadableEvent(position, row.kind, 'unknown kind')
  const fields = {
    ...(row.room_id === null ? {} : { roomId: row.room_id }),
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    data: row.data,
  }
  if (!check.Check(fields)) {
    const first = check.Errors(fields).First()
    throw new UnreadableEvent(position, row.kind, `${first?.path ?? ''} ${first?.message ?? ''}`)
  }
  return {
    ...position,
    kind: row.kind,
    createdAt: row.created_at,
    ...(check.Decode(fields) as object),
  } as LogEvent
}
