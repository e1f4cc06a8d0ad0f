import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Executor } from '../../../db/executor.js'
import {
  type EventRow,
  eventExists,
  logHead,
  membershipSince,
  membershipsAt,
  readRemovalRowsOfUser,
  readRowsAfter,
  readUserRowsBetween,
} from '../../../db/queries/events.js'
import {
  type LogEvent,
  type LoggedMember,
  LoggedMemberSchema,
  type LogPosition,
  parseEvent,
  UnreadableEvent,
} from './vocabulary.js'

export type { LogPosition } from './vocabulary.js'

/** One committed transaction's events, in log order, and the position right after it. */
export interface Transaction {
  events: LogEvent[]
  /** The transaction's last logged event: a reader that handled it continues after it. */
  end: LogPosition
}

/** Whether `a` comes before `b` in the log. */
export function isBefore(a: LogPosition, b: LogPosition): boolean {
  const ax = BigInt(a.xid)
  const bx = BigInt(b.xid)
  return ax < bx || (ax === bx && a.id < b.id)
}

/** A user's removal from a group, as REST catch-up reports it. */
export interface Removal {
  /** The subscription's id, or the group's when the group went with it. */
  id: string
  deletedAt: Date
}

const member = TypeCompiler.Compile(LoggedMemberSchema)

/**
 * The event log, read: every reader of it (the relay, a replay, REST catch-up) gets typed
 * events from here, each row parsed once. A row that does not parse is reported to
 * `unreadable` (logged and counted) and skipped; it never stops a reader, and the position
 * still moves past it.
 */
export class EventLog {
  constructor(
    readonly db: Executor,
    readonly unreadable: (error: UnreadableEvent) => void,
  ) {}

  /** The last position of the complete part of the log: where a new reader starts. */
  head(): Promise<LogPosition> {
    return logHead(this.db)
  }

  /** Whether the log still holds the event at a position (not pruned, not made up). */
  has(position: LogPosition): Promise<boolean> {
    return eventExists(this.db, position)
  }

  /** Whole transactions after a position, of those that have all ended; at least `limit` events. */
  async after(position: LogPosition, limit: number): Promise<Transaction[]> {
    return this.#transactions(await readRowsAfter(this.db, position, limit))
  }

  /**
   * The first `limit` whole transactions after one position up to another that a relay has
   * read to, of those that concern a user in `rooms` at `after` (db/queries/events.ts,
   * `readUserRowsBetween`); and the transaction `include`, whatever it holds.
   */
  async ofUserBetween(
    userId: string,
    rooms: Iterable<string>,
    after: LogPosition,
    upTo: LogPosition,
    limit: number,
    include?: string,
  ): Promise<Transaction[]> {
    const rows = await readUserRowsBetween(this.db, userId, [...rooms], after, upTo, limit, include)
    return this.#transactions(rows)
  }

  /** A user's groups exactly at a position: their groups now, with every later change undone. */
  async roomsAt(userId: string, position: LogPosition): Promise<Set<string>> {
    const { rooms, changes } = await membershipSince(this.db, userId, position)
    const joined = new Set(rooms)
    for (const change of changes) {
      if (change.kind === 'member.added') joined.delete(change.roomId)
      else joined.add(change.roomId)
    }
    return joined
  }

  /** These users' membership rows of a group as they stood at a position. */
  async membersAt(
    roomId: string,
    userIds: string[],
    position: LogPosition,
  ): Promise<LoggedMember[]> {
    const rows = await membershipsAt(this.db, roomId, userIds, position)
    return rows.flatMap((row) => (member.Check(row) ? [member.Decode(row) as LoggedMember] : []))
  }

  /**
   * A user's removals logged after a moment, oldest first: the subscriptions removed and the
   * groups deleted while the user was in them. `db` is the snapshot to read in.
   */
  async removalsSince(
    userId: string,
    since: Date,
    db: Executor = this.db,
  ): Promise<{ subscriptions: Removal[]; rooms: Removal[] }> {
    const subscriptions: Removal[] = []
    const rooms: Removal[] = []
    for (const event of this.#parse(await readRemovalRowsOfUser(db, userId, since))) {
      if (event.kind !== 'member.removed') continue
      subscriptions.push({ id: event.data.member.id, deletedAt: event.createdAt })
      if (event.data.roomDeleted) rooms.push({ id: event.roomId, deletedAt: event.createdAt })
    }
    return { subscriptions, rooms }
  }

  #parse(rows: EventRow[]): LogEvent[] {
    const events: LogEvent[] = []
    for (const row of rows) {
      try {
        events.push(parseEvent(row))
      } catch (error) {
        if (!(error instanceof UnreadableEvent)) throw error
        this.unreadable(error)
      }
    }
    return events
  }

  #transactions(rows: EventRow[]): Transaction[] {
    const transactions: Transaction[] = []
    let start = 0
    for (let i = 1; i <= rows.length; i++) {
      if (i < rows.length && rows[i]?.xid === rows[start]?.xid) continue
      const slice = rows.slice(start, i)
      const last = slice[slice.length - 1] as EventRow
      transactions.push({
        events: this.#parse(slice),
        end: { xid: last.xid, id: Number(last.id) },
      })
      start = i
    }
    return transactions
  }
}
