import type { Db } from '../../db/database.js'
import {
  findMemberships,
  findRoom,
  type LoggedEvent,
  membershipSince,
} from '../../db/queries/events.js'
import type { Message, Room } from '../../db/types.js'
import {
  type MemberFields,
  messageDocument,
  removedSubscription,
  roomDocument,
  subscriptionDocument,
} from './documents.js'
import { EventFrame, STREAM } from './frames.js'
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
}

interface RoleChange {
  type: 'added' | 'removed'
  role: string
  user: { _id: string; username: string }
  /** The group, for a room role; none for a global role. */
  scope?: string
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
  add(subscriber: Subscriber): Promise<void> {
    return this.#run(async () => {
      let user = this.#users.get(subscriber.userId)
      if (!user) {
        const position = this.#relay?.position
        if (!position) throw new Error('the hub has no relay')
        const { rooms, changes } = await membershipSince(this.#db, subscriber.userId, position)
        const joined = new Set(rooms)
        for (const change of changes) {
          if (change.kind === 'member.added') joined.delete(change.roomId)
          else joined.add(change.roomId)
        }
        user = { id: subscriber.userId, rooms: new Set(), subscribers: new Set() }
        this.#users.set(user.id, user)
        for (const roomId of joined) this.#join(user, roomId)
      }
      user.subscribers.add(subscriber)
      this.#all.add(subscriber)
    })
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

  #sendToUser(user: LocalUser, event: string, args: unknown[]) {
    this.#send([user], new EventFrame(STREAM.user, `${user.id}/${event}`, args))
  }

  /**
   * One transaction's events. Within it, connections receive: each joining or leaving member's
   * own subscription (and group) changes, then the changed subscriptions and group of everyone
   * still in it, then its messages, then role changes.
   */
  async deliver(events: LoggedEvent[]): Promise<void> {
    const rooms = new Map<string, RoomChanges>()
    for (const event of events) {
      if (!event.kind.startsWith('room.') || !event.roomId) continue
      const previous = rooms.get(event.roomId)
      rooms.set(event.roomId, {
        room: roomFromLog(event.data.room as JsonRow),
        fields: Boolean(previous?.fields || event.data.fields),
        subscription: Boolean(previous?.subscription || event.data.subscription),
        deleted: event.kind === 'room.deleted',
      })
    }
    const roomOf = async (roomId: string) =>
      rooms.get(roomId)?.room ?? (await findRoom(this.#db, roomId))

    const joinedNow = new Set<string>()
    const messages: Message[] = []
    const roleChanges: RoleChange[] = []
    /** Global roles are often replaced whole (removed, then added back): only the net change counts. */
    const globalRoles = new Map<string, { first: string; last: string; change: RoleChange }>()
    for (const event of events) {
      const { roomId, userId } = event
      if (event.kind === 'message' && roomId) {
        messages.push(messageFromLog(event.data.message as JsonRow))
      } else if (event.kind === 'user.role' && userId) {
        const role = String(event.data.role)
        const type = event.data.type as RoleChange['type']
        const key = `${userId}\n${role}`
        const seen = globalRoles.get(key)
        if (seen) seen.last = type
        else {
          const user = { _id: userId, username: String(event.data.username) }
          globalRoles.set(key, { first: type, last: type, change: { type, role, user } })
        }
      } else if (event.kind.startsWith('member.') && roomId && userId) {
        const member = memberFromLog(event.data.member as JsonRow)
        if (event.kind === 'member.updated') {
          const user = { _id: userId, username: member.username }
          for (const role of event.data.added as string[]) {
            roleChanges.push({ type: 'added', role, user, scope: roomId })
          }
          for (const role of event.data.removed as string[]) {
            roleChanges.push({ type: 'removed', role, user, scope: roomId })
          }
        }
        const user = this.#users.get(userId)
        if (!user) continue
        if (event.kind === 'member.added') {
          this.#join(user, roomId)
          joinedNow.add(`${roomId}\n${userId}`)
          const room = await roomOf(roomId)
          if (!room) continue
          this.#sendToUser(user, 'subscriptions-changed', [
            'inserted',
            subscriptionDocument(room, member),
          ])
          this.#sendToUser(user, 'rooms-changed', ['inserted', roomDocument(room)])
        } else if (event.kind === 'member.removed') {
          this.#leave(user, roomId)
          joinedNow.delete(`${roomId}\n${userId}`)
          // A deleted user's logins went with them: their connections close, told nothing.
          if (event.data.userDeleted) {
            for (const subscriber of user.subscribers) subscriber.revoke()
            continue
          }
          this.#sendToUser(user, 'subscriptions-changed', ['removed', removedSubscription(member)])
          if (event.data.roomDeleted)
            this.#sendToUser(user, 'rooms-changed', ['removed', { _id: roomId }])
          for (const subscriber of user.subscribers) subscriber.leftRoom(roomId)
        } else if (event.kind === 'member.updated') {
          const room = await roomOf(roomId)
          if (!room || !user.rooms.has(roomId)) continue
          this.#sendToUser(user, 'subscriptions-changed', [
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
        const rows = await findMemberships(
          this.#db,
          roomId,
          members.map((user) => user.id),
        )
        for (const row of rows) {
          const user = this.#users.get(row.user_id)
          if (user?.rooms.has(roomId)) {
            this.#sendToUser(user, 'subscriptions-changed', [
              'updated',
              subscriptionDocument(change.room, row),
            ])
          }
        }
      }
      if (change.fields) {
        const frame = new EventFrame(STREAM.user, '', ['updated', roomDocument(change.room)])
        for (const user of members) this.#send([user], frame.renamed(`${user.id}/rooms-changed`))
      }
    }

    for (const message of messages) {
      const members = this.#rooms.get(message.room_id)
      if (!members) continue
      const document = messageDocument(message)
      this.#send(members, new EventFrame(STREAM.roomMessages, message.room_id, [document]))
      const room = await roomOf(message.room_id)
      this.#send(
        members,
        new EventFrame(STREAM.roomMessages, '__my_messages__', [
          document,
          { roomParticipant: true, roomType: 'p', roomName: room?.name ?? '' },
        ]),
      )
    }

    for (const { first, last, change } of globalRoles.values()) {
      if (first === last) roleChanges.push({ ...change, type: change.type })
    }
    for (const change of roleChanges) {
      const frame = new EventFrame(STREAM.logged, 'roles-change', [
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
