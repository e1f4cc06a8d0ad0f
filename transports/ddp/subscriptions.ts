import { type Payload, STREAM } from '../../domain/realtime/payload.js'

/** One `sub` of a session. */
export interface StreamSubscription {
  id: string
  stream: string
  eventName: string
  /** The group a subscription is scoped to: it ends when the user leaves the group. */
  roomId?: string
}

export const STREAMS = new Set<string>(Object.values(STREAM))

/**
 * What a session follows: its subscriptions, and how many of them want each stream and event
 * name, so a payload is matched in one lookup.
 */
export class Subscriptions {
  readonly #byId = new Map<string, StreamSubscription>()
  readonly #wanted = new Map<string, number>()

  get size(): number {
    return this.#byId.size
  }

  has(id: string): boolean {
    return this.#byId.has(id)
  }

  get(id: string): StreamSubscription | undefined {
    return this.#byId.get(id)
  }

  all(): StreamSubscription[] {
    return [...this.#byId.values()]
  }

  wants(payload: Payload): boolean {
    return this.#wanted.has(`${payload.stream}\n${payload.eventName}`)
  }

  add(subscription: StreamSubscription) {
    this.#byId.set(subscription.id, subscription)
    const key = `${subscription.stream}\n${subscription.eventName}`
    this.#wanted.set(key, (this.#wanted.get(key) ?? 0) + 1)
  }

  delete(subscription: StreamSubscription) {
    this.#byId.delete(subscription.id)
    const key = `${subscription.stream}\n${subscription.eventName}`
    const count = (this.#wanted.get(key) ?? 1) - 1
    if (count > 0) this.#wanted.set(key, count)
    else this.#wanted.delete(key)
  }
}

/**
 * Whether a user may subscribe to a stream and event name: false, or the group the
 * subscription is scoped to (undefined for the user's own streams). `isMember` is asked for a
 * group's streams unless the membership is checked elsewhere (a resume checks it at each event).
 */
export async function authorize(
  userId: string,
  stream: string,
  eventName: string,
  isMember: ((roomId: string) => Promise<boolean>) | undefined,
): Promise<string | false | undefined> {
  if (stream === STREAM.user) return eventName.startsWith(`${userId}/`) ? undefined : false
  if (stream === STREAM.logged || stream === STREAM.all || stream === STREAM.roles) return undefined
  if (stream === STREAM.roomMessages && eventName === '__my_messages__') return undefined
  const roomId = stream === STREAM.room ? (eventName.split('/')[0] ?? '') : eventName
  if (!roomId) return false
  if (isMember && !(await isMember(roomId))) return false
  return roomId
}
