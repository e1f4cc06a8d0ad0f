import type { Payload } from './payload.js'
import type { Step, Target } from './translate.js'

/** One connection as the registry routes to it: what it is told, nothing it decides. */
export interface Recipient {
  readonly userId: string
  /** The hash of the login token the connection resumed, to close it when that token goes. */
  readonly hashedToken: string
  /** A payload its user is sent; the connection keeps what its client follows. */
  send(payload: Payload): void
  /** Its user is out of a group: what it follows of the group ends. */
  leftRoom(roomId: string): void
  /** Its login is gone: it hears nothing more and closes. */
  revoke(): void
}

interface User {
  id: string
  /** The user's groups, exactly as of the relay's position. */
  rooms: Set<string>
  recipients: Set<Recipient>
}

/**
 * Who is connected here: users, their groups and their connections. It carries out the steps
 * translate.ts decided, in order, and holds nothing else: no translation, no replay.
 */
export class Registry {
  readonly #users = new Map<string, User>()
  /** Each group's members that have a connection here. */
  readonly #rooms = new Map<string, Set<User>>()
  readonly #all = new Set<Recipient>()

  get connections(): number {
    return this.#all.size
  }

  get users(): number {
    return this.#users.size
  }

  /** Whether a user has a connection here. */
  has(userId: string): boolean {
    return this.#users.has(userId)
  }

  /** The users here who are in a group. */
  membersOf(roomId: string): string[] {
    return [...(this.#rooms.get(roomId) ?? [])].map((user) => user.id)
  }

  /** A user's groups, as of the relay's position. */
  roomsOf(userId: string): ReadonlySet<string> {
    return this.#users.get(userId)?.rooms ?? new Set()
  }

  /** The connections here, or one user's. */
  recipients(userId?: string): Recipient[] {
    if (userId === undefined) return [...this.#all]
    return [...(this.#users.get(userId)?.recipients ?? [])]
  }

  /**
   * Adds a connection. A user new here starts in `rooms`, their groups at the relay's position;
   * only between two transactions' steps.
   */
  add(recipient: Recipient, rooms: Iterable<string>) {
    let user = this.#users.get(recipient.userId)
    if (!user) {
      user = { id: recipient.userId, rooms: new Set(), recipients: new Set() }
      this.#users.set(user.id, user)
      for (const roomId of rooms) this.#join(user, roomId)
    }
    user.recipients.add(recipient)
    this.#all.add(recipient)
  }

  remove(recipient: Recipient) {
    this.#all.delete(recipient)
    const user = this.#users.get(recipient.userId)
    if (!user?.recipients.delete(recipient) || user.recipients.size > 0) return
    this.#users.delete(user.id)
    for (const roomId of user.rooms) this.#leave(user, roomId)
  }

  /** Closes the connections that resumed a deleted token. */
  revokeToken(hashedToken: string) {
    for (const recipient of this.#all) {
      if (recipient.hashedToken === hashedToken) recipient.revoke()
    }
  }

  /** Carries out one transaction's steps, in order. */
  apply(steps: readonly Step[]) {
    for (const step of steps) {
      if (step.step === 'send') {
        this.#send(step.to, step.payload, step.perUser)
        continue
      }
      const user = this.#users.get(step.user)
      if (!user) continue
      if (step.step === 'join') this.#join(user, step.room)
      else if (step.step === 'leave') this.#leave(user, step.room)
      else if (step.step === 'leftRoom') {
        for (const recipient of user.recipients) recipient.leftRoom(step.room)
      } else for (const recipient of user.recipients) recipient.revoke()
    }
  }

  #send(to: Target, payload: Payload, perUser?: string) {
    if ('everyone' in to) {
      for (const recipient of this.#all) recipient.send(payload)
    } else if ('room' in to) {
      for (const user of this.#rooms.get(to.room) ?? []) {
        if (to.except?.has(user.id)) continue
        const copy = perUser ? payload.forUser(user.id, perUser) : payload
        for (const recipient of user.recipients) recipient.send(copy)
      }
    } else {
      const user = this.#users.get(to.user)
      if (!user || (to.inRoom !== undefined && !user.rooms.has(to.inRoom))) return
      for (const recipient of user.recipients) recipient.send(payload)
    }
  }

  #join(user: User, roomId: string) {
    user.rooms.add(roomId)
    let members = this.#rooms.get(roomId)
    if (!members) {
      members = new Set()
      this.#rooms.set(roomId, members)
    }
    members.add(user)
  }

  #leave(user: User, roomId: string) {
    user.rooms.delete(roomId)
    const members = this.#rooms.get(roomId)
    members?.delete(user)
    if (members?.size === 0) this.#rooms.delete(roomId)
  }
}
