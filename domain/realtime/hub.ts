import type { Db } from '../../db/database.js'
import {
  byTransaction,
  eventExists,
  findRoom,
  isBefore,
  type LoggedEvent,
  type LogPosition,
  membershipSince,
  membershipsAt,
  readEventsBetween,
} from '../../db/queries/events.js'
import type { Message, Room } from '../../db/types.js'
import {
  type MemberFields,
  messageDocument,
  removedSubscription,
  roomDocument,
  subscriptionDocument,
} from './documents.js'
import { END_OF_TRANSACTION, EventFrame, eventId, parseEventId, STREAM } from './frames.js'
import type { EventRelay } from './relay.js'

/** One authenticated realtime connection, as the hub sees it. */
export interface Subscriber {
  readonly userId: string
  readonly username: string
  /** The hash of the login token the connection resumed, to close it when that token goes. */
  readonly hashedToken: string
  /** Sends the event if the connection subscribed to its stream and event name. */
  deliver(frame: EventFrame): void
  /** The user is no longer in the group: subscriptions scoped to it end. */
  leftRoom(roomId: string): void
  /** The login behind the connection is gone: it hears nothing more and closes. */
  revoke(): void
}

interface LocalUser {
  id: string
  /** The user's groups, exactly as of the relay's position. */
  rooms: Set<string>
  subscribers: Set<Subscriber>
}

type RoomRow = Room
type JsonRow = Record<string, unknown>

function dateOf(value: unknown): Date {
  return new Date(String(value))
}

function roomFromLog(row: JsonRow): RoomRow {
  return {
    ...(row as unknown as RoomRow),
    created_at: dateOf(row.created_at),
    updated_at: dateOf(row.updated_at),
  }
}

function memberFromLog(row: JsonRow): MemberFields {
  return {
    ...(row as unknown as MemberFields),
    created_at: dateOf(row.created_at),
    last_seen_at: dateOf(row.last_seen_at),
    updated_at: dateOf(row.updated_at),
  }
}

function messageFromLog(row: JsonRow): Message {
  return {
    ...(row as unknown as Message),
    created_at: dateOf(row.created_at),
    updated_at: dateOf(row.updated_at),
  }
}

interface RoomChanges {
  /** The group as the transaction left it. */
  room: RoomRow
  /** Something its members see changed (not only the message count). */
  fields: boolean
  /** A field the members' subscriptions repeat changed (names, archiving). */
  subscription: boolean
  deleted: boolean
  /** The last of the transaction's events about the group: the frames' id comes from it. */
  source: LogPosition
}

interface RoleChange {
  type: 'added' | 'removed'
  role: string
  user: { _id: string; username: string }
  /** The group, for a room role; none for a global role. */
  scope?: string
  /** The event's id. */
  id: string
}

/** A connection asking for the events after the last one it received. */
export interface ReplayRequest {
  /** The last event id the client received. */
  after: string
  /** Which of the user's events the resuming subscription takes. */
  wants(frame: EventFrame): boolean
  /** Sends a replayed event; resolves when the connection can take more. */
  send(frame: EventFrame): Promise<void>
  /** Whether the connection went away meanwhile (the replay stops). */
  readonly gone: boolean
  /**
   * Called between two transactions' deliveries, right after the last replayed event, with the
   * user's groups at that point: from here on the subscription receives events live, with no
   * gap and no repeat at the seam.
   */
  live(rooms: ReadonlySet<string>): void
}

/**
 * How a replay ended: `live` (caught up and receiving); `reset` (the id is unknown or older
 * than the log keeps: the client must reload its state); `gone` (the connection closed).
 */
export type ReplayOutcome = 'live' | 'reset' | 'gone'

/** How long a replay waits for this process's relay to reach an id given out elsewhere. */
const CATCH_UP_WAIT_MS = 5000

/** Events read per statement while replaying. */
const REPLAY_BATCH = 500

/** Collects what the hub would send one user, transaction by transaction. */
class Recorder implements Subscriber {
  frames: EventFrame[] = []
  readonly hashedToken = ''
  readonly username = ''
  constructor(readonly userId: string) {}
  deliver(frame: EventFrame) {
    this.frames.push(frame)
  }
  leftRoom() {}
  revoke() {}
}

/**
 * The realtime connections of this process, by user, and what each committed transaction means
 * for them. Every event is authorized when it is delivered: a group's events go to the users
 * who are its members at that point of the log, which the hub tracks for its users by applying
 * the log's membership events in order.
 */
export class Hub {
  readonly #db: Db
  #relay: EventRelay | undefined
  readonly #users = new Map<string, LocalUser>()
  /** Each group's members that have a connection here. */
  readonly #rooms = new Map<string, Set<LocalUser>>()
  readonly #all = new Set<Subscriber>()

  constructor(db: Db) {
    this.#db = db
  }

  attach(relay: EventRelay) {
    this.#relay = relay
  }

  get connections(): number {
    return this.#all.size
  }

  get users(): number {
    return this.#users.size
  }

  #run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.#relay) throw new Error('the hub has no relay')
    return this.#relay.run(work)
  }

  /** Starts delivering to a connection; its user's groups are read as of the relay's position. */
  add(subscriber: Subscriber, onLive?: (position: LogPosition) => void): Promise<void> {
    return this.#run(async () => {
      const position = this.#relay?.position
      if (!position) throw new Error('the hub has no relay')
      if (!this.#users.has(subscriber.userId)) {
        const { rooms, changes } = await membershipSince(this.#db, subscriber.userId, position)
        const joined = new Set(rooms)
        for (const change of changes) {
          if (change.kind === 'member.added') joined.delete(change.roomId)
          else joined.add(change.roomId)
        }
        this.#attach(subscriber, joined)
      } else this.#attach(subscriber)
      onLive?.(position)
    })
  }

  /**
   * Adds a connection whose user's groups at the relay's position are known (the end of a
   * replay); only between two deliveries, inside the relay's turn.
   */
  addNow(subscriber: Subscriber, rooms: ReadonlySet<string>) {
    this.#attach(subscriber, rooms)
  }

  #attach(subscriber: Subscriber, rooms: ReadonlySet<string> = new Set()) {
    let user = this.#users.get(subscriber.userId)
    if (!user) {
      user = { id: subscriber.userId, rooms: new Set(), subscribers: new Set() }
      this.#users.set(user.id, user)
      for (const roomId of rooms) this.#join(user, roomId)
    }
    user.subscribers.add(subscriber)
    this.#all.add(subscriber)
  }

  /** Stops delivering to a connection (in turn with deliveries, so none is half done). */
  remove(subscriber: Subscriber): Promise<void> {
    return this.#run(async () => {
      this.#all.delete(subscriber)
      const user = this.#users.get(subscriber.userId)
      if (!user?.subscribers.delete(subscriber) || user.subscribers.size > 0) return
      this.#users.delete(user.id)
      for (const roomId of user.rooms) this.#leave(user, roomId)
    })
  }

  /**
   * Sends a connection the events its user was entitled to after the id it last received,
   * exactly as they were delivered live (the same frames, computed by the same code from the
   * log), then hands it over to live delivery between two transactions. Most of the replay runs
   * beside live delivery, at the pace the connection reads; only the last stretch, up to where
   * the relay stands, runs in turn with it.
   */
  async replay(userId: string, request: ReplayRequest): Promise<ReplayOutcome> {
    const relay = this.#relay
    if (!relay) throw new Error('the hub has no relay')
    const key = parseEventId(request.after)
    if (!key || !(await eventExists(this.#db, key))) return 'reset'
    // An id another process gave out may be ahead of this one's relay for a moment.
    const deadline = Date.now() + CATCH_UP_WAIT_MS
    while (isBefore(relay.position, key)) {
      if (Date.now() > deadline || request.gone) return request.gone ? 'gone' : 'reset'
      await relay.wake()
      if (isBefore(relay.position, key)) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // The user's groups just before the id's transaction: now, with every later change undone.
    const start: LogPosition = { xid: key.xid, id: 0 }
    const { rooms, changes } = await membershipSince(this.#db, userId, start)
    const joined = new Set(rooms)
    for (const change of changes) {
      if (change.kind === 'member.added') joined.delete(change.roomId)
      else joined.add(change.roomId)
    }
    const recorder = new Recorder(userId)
    const past = new Hub(this.#db)
    const user: LocalUser = { id: userId, rooms: new Set(), subscribers: new Set([recorder]) }
    past.#users.set(userId, user)
    past.#all.add(recorder)
    for (const roomId of joined) past.#join(user, roomId)

    let cursor = start
    let found = false
    /** Replays the log up to a position; false when the connection went or the id is unknown. */
    const replayTo = async (upTo: LogPosition): Promise<boolean> => {
      while (isBefore(cursor, upTo)) {
        const events = await readEventsBetween(this.#db, cursor, upTo, REPLAY_BATCH)
        if (events.length === 0) break
        for (const transaction of byTransaction(events)) {
          recorder.frames = []
          await past.deliver(transaction)
          let frames = recorder.frames
          if (!found) {
            const at =
              key.slot === END_OF_TRANSACTION
                ? frames.length - 1
                : frames.findIndex((frame) => frame.id === request.after)
            if (at < 0 && key.slot !== END_OF_TRANSACTION) return false
            found = true
            frames = frames.slice(at + 1)
          }
          for (const frame of frames) {
            if (request.gone) return false
            if (request.wants(frame)) await request.send(frame)
          }
          const last = transaction[transaction.length - 1] as LoggedEvent
          cursor = { xid: last.xid, id: last.id }
        }
      }
      return true
    }

    if (!(await replayTo(relay.position))) return request.gone ? 'gone' : 'reset'
    return relay.run(async (): Promise<ReplayOutcome> => {
      if (!(await replayTo(relay.position))) return request.gone ? 'gone' : 'reset'
      if (!found) return 'reset'
      if (request.gone) return 'gone'
      request.live(user.rooms)
      return 'live'
    })
  }

  /** Closes the connections that resumed a deleted token. */
  revokeToken(hashedToken: string) {
    for (const subscriber of this.#all) {
      if (subscriber.hashedToken === hashedToken) subscriber.revoke()
    }
  }

  subscribersOf(userId?: string): Subscriber[] {
    if (userId === undefined) return [...this.#all]
    return [...(this.#users.get(userId)?.subscribers ?? [])]
  }

  #join(user: LocalUser, roomId: string) {
    user.rooms.add(roomId)
    let members = this.#rooms.get(roomId)
    if (!members) {
      members = new Set()
      this.#rooms.set(roomId, members)
    }
    members.add(user)
  }

  #leave(user: LocalUser, roomId: string) {
    user.rooms.delete(roomId)
    const members = this.#rooms.get(roomId)
    members?.delete(user)
    if (members?.size === 0) this.#rooms.delete(roomId)
  }

  #send(users: Iterable<LocalUser>, frame: EventFrame) {
    for (const user of users) {
      for (const subscriber of user.subscribers) subscriber.deliver(frame)
    }
  }

  #sendToUser(user: LocalUser, event: string, id: string, args: unknown[]) {
    this.#send([user], new EventFrame(STREAM.user, `${user.id}/${event}`, id, args))
  }

  /**
   * One transaction's events. Within it, connections receive: each joining or leaving member's
   * own subscription (and group) changes, then the changed subscriptions and group of everyone
   * still in it, then its messages, then role changes.
   */
  async deliver(events: LoggedEvent[]): Promise<void> {
    const last = events[events.length - 1]
    if (!last) return
    /** Right after this transaction: what its members' subscriptions are shown as of. */
    const position: LogPosition = { xid: last.xid, id: last.id }
    const rooms = new Map<string, RoomChanges>()
    for (const event of events) {
      if (!event.kind.startsWith('room.') || !event.roomId) continue
      const previous = rooms.get(event.roomId)
      rooms.set(event.roomId, {
        room: roomFromLog(event.data.room as JsonRow),
        fields: Boolean(previous?.fields || event.data.fields),
        subscription: Boolean(previous?.subscription || event.data.subscription),
        deleted: event.kind === 'room.deleted',
        source: event,
      })
    }
    const roomOf = async (roomId: string) =>
      rooms.get(roomId)?.room ?? (await findRoom(this.#db, roomId))

    const joinedNow = new Set<string>()
    const messages: Array<{ message: Message; source: LogPosition }> = []
    const roleChanges: RoleChange[] = []
    /** Global roles are often replaced whole (removed, then added back): only the net change counts. */
    const globalRoles = new Map<string, { first: string; last: string; change: RoleChange }>()
    for (const event of events) {
      const { roomId, userId } = event
      if (event.kind === 'message' && roomId) {
        messages.push({ message: messageFromLog(event.data.message as JsonRow), source: event })
      } else if (event.kind === 'user.role' && userId) {
        const role = String(event.data.role)
        const type = event.data.type as RoleChange['type']
        const key = `${userId}\n${role}`
        const seen = globalRoles.get(key)
        if (seen) seen.last = type
        else {
          const user = { _id: userId, username: String(event.data.username) }
          const id = eventId(event, 0)
          globalRoles.set(key, { first: type, last: type, change: { type, role, user, id } })
        }
      } else if (event.kind.startsWith('member.') && roomId && userId) {
        const member = memberFromLog(event.data.member as JsonRow)
        if (event.kind === 'member.updated') {
          const user = { _id: userId, username: member.username }
          // Slot 0 is the member's own subscription; each role change takes the next.
          let slot = 1
          for (const role of event.data.added as string[]) {
            roleChanges.push({
              type: 'added',
              role,
              user,
              scope: roomId,
              id: eventId(event, slot++),
            })
          }
          for (const role of event.data.removed as string[]) {
            roleChanges.push({
              type: 'removed',
              role,
              user,
              scope: roomId,
              id: eventId(event, slot++),
            })
          }
        }
        const user = this.#users.get(userId)
        if (!user) continue
        if (event.kind === 'member.added') {
          this.#join(user, roomId)
          joinedNow.add(`${roomId}\n${userId}`)
          const room = await roomOf(roomId)
          if (!room) continue
          this.#sendToUser(user, 'subscriptions-changed', eventId(event, 0), [
            'inserted',
            subscriptionDocument(room, member),
          ])
          this.#sendToUser(user, 'rooms-changed', eventId(event, 1), [
            'inserted',
            roomDocument(room),
          ])
        } else if (event.kind === 'member.removed') {
          this.#leave(user, roomId)
          joinedNow.delete(`${roomId}\n${userId}`)
          // A deleted user's logins went with them: their connections close, told nothing.
          if (event.data.userDeleted) {
            for (const subscriber of user.subscribers) subscriber.revoke()
            continue
          }
          this.#sendToUser(user, 'subscriptions-changed', eventId(event, 0), [
            'removed',
            removedSubscription(member),
          ])
          if (event.data.roomDeleted)
            this.#sendToUser(user, 'rooms-changed', eventId(event, 1), ['removed', { _id: roomId }])
          for (const subscriber of user.subscribers) subscriber.leftRoom(roomId)
        } else if (event.kind === 'member.updated') {
          const room = await roomOf(roomId)
          if (!room || !user.rooms.has(roomId)) continue
          this.#sendToUser(user, 'subscriptions-changed', eventId(event, 0), [
            'updated',
            subscriptionDocument(room, member),
          ])
        }
      }
    }

    for (const [roomId, change] of rooms) {
      if (change.deleted || (!change.fields && !change.subscription)) continue
      const members = [...(this.#rooms.get(roomId) ?? [])].filter(
        (user) => !joinedNow.has(`${roomId}\n${user.id}`),
      )
      if (members.length === 0) continue
      if (change.subscription) {
        const rows = (
          await membershipsAt(
            this.#db,
            roomId,
            members.map((user) => user.id),
            position,
          )
        ).map(memberFromLog)
        for (const row of rows) {
          const user = this.#users.get(row.user_id)
          if (user?.rooms.has(roomId)) {
            this.#sendToUser(user, 'subscriptions-changed', eventId(change.source, 0), [
              'updated',
              subscriptionDocument(change.room, row),
            ])
          }
        }
      }
      if (change.fields) {
        const frame = new EventFrame(STREAM.user, '', eventId(change.source, 1), [
          'updated',
          roomDocument(change.room),
        ])
        for (const user of members) this.#send([user], frame.renamed(`${user.id}/rooms-changed`))
      }
    }

    for (const { message, source } of messages) {
      const members = this.#rooms.get(message.room_id)
      if (!members) continue
      const document = messageDocument(message)
      this.#send(
        members,
        new EventFrame(STREAM.roomMessages, message.room_id, eventId(source, 0), [document]),
      )
      const room = await roomOf(message.room_id)
      this.#send(
        members,
        new EventFrame(STREAM.roomMessages, '__my_messages__', eventId(source, 1), [
          document,
          { roomParticipant: true, roomType: 'p', roomName: room?.name ?? '' },
        ]),
      )
    }

    for (const { first, last, change } of globalRoles.values()) {
      if (first === last) roleChanges.push({ ...change, type: change.type })
    }
    for (const change of roleChanges) {
      const frame = new EventFrame(STREAM.logged, 'roles-change', change.id, [
        {
          type: change.type,
          _id: change.role,
          u: change.user,
          ...(change.scope ? { scope: change.scope } : {}),
        },
      ])
      if (change.scope) {
        this.#send(this.#rooms.get(change.scope) ?? [], frame)
      } else {
        for (const subscriber of this.#all) subscriber.deliver(frame)
      }
    }
  }
}
