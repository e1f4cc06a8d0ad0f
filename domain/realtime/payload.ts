import { toEjson } from './documents.js'
import type { LogPosition } from './log/event-log.js'

/** Rocket.Chat's streams, as clients name them. */
export const STREAM = {
  user: 'stream-notify-user',
  logged: 'stream-notify-logged',
  room: 'stream-notify-room',
  roomMessages: 'stream-room-messages',
  /** Accepted for Rocket.Chat's clients, which subscribe to them; nothing is sent on them. */
  all: 'stream-notify-all',
  roles: 'stream-roles',
} as const

/** An event id: where in the log an event comes from, opaque to clients. */
export interface EventKey extends LogPosition {
  /** Which of the payloads made from that one logged event. */
  slot: number
}

export function eventId(source: LogPosition, slot: number): string {
  return `${source.xid}.${source.id}.${slot}`
}

/**
 * The slot of an id that stands for the end of a transaction rather than one of its events: a
 * stream that starts live, or is reset, at a point of the log gives its client such an id.
 */
export const END_OF_TRANSACTION = 999

const EVENT_ID = /^(\d{1,20})\.(\d{1,19})\.(\d{1,3})$/

/** An event id a client sent back, or undefined when it is not one this service gives out. */
export function parseEventId(text: string): EventKey | undefined {
  const match = EVENT_ID.exec(text)
  if (!match) return undefined
  const [, xid, id, slot] = match as unknown as [string, string, string, string]
  if (BigInt(xid) >= 2n ** 64n || BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  return { xid, id: Number(id), slot: Number(slot) }
}

interface Shared {
  args: unknown[]
  json?: string
}

/**
 * One event for connections: a Rocket.Chat stream, event name and arguments, under the id a
 * client resumes after. Decided once (translate.ts) and routed as it is. Its arguments are
 * serialized once for every copy; each transport encodes it once (`encoded`), whatever the
 * number of connections it goes to.
 */
export class Payload {
  readonly #shared: Shared
  readonly #encodings = new Map<string, string>()

  constructor(
    readonly stream: string,
    readonly eventName: string,
    readonly id: string,
    args: unknown[] | Shared,
  ) {
    this.#shared = Array.isArray(args) ? { args } : args
  }

  get args(): unknown[] {
    return this.#shared.args
  }

  /** The arguments as JSON (EJSON dates), serialized once for every copy. */
  get argsJson(): string {
    this.#shared.json ??= JSON.stringify(toEjson(this.#shared.args))
    return this.#shared.json
  }

  /** The same arguments under one user's event name (`<userId>/rooms-changed`). */
  forUser(userId: string, event: string): Payload {
    return new Payload(this.stream, `${userId}/${event}`, this.id, this.#shared)
  }

  /** The payload as a transport writes it, encoded on the first ask and kept. */
  encoded(transport: string, encode: (payload: Payload) => string): string {
    let text = this.#encodings.get(transport)
    if (text === undefined) {
      text = encode(this)
      this.#encodings.set(transport, text)
    }
    return text
  }
}

/** Whether a user's own feed (the SSE stream) carries a payload the user is sent. */
export function inUserFeed(userId: string, payload: Payload): boolean {
  switch (payload.stream) {
    case STREAM.user:
      return payload.eventName.startsWith(`${userId}/`)
    case STREAM.roomMessages:
      // `__my_messages__` repeats each group's messages, which the feed carries already.
      return payload.eventName !== '__my_messages__'
    case STREAM.logged:
      return payload.eventName === 'roles-change'
    default:
      return false
  }
}
