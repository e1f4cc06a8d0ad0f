import type { LogPosition } from '../../db/queries/events.js'
import { toEjson } from './documents.js'

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
  /** Which of the frames made from that one logged event. */
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

/**
 * One event as Rocket.Chat sends it: a `changed` frame of the stream's collection, always with
 * the id "id", and with `eventId` beside `eventName` and `args` in its fields (Rocket.Chat's
 * clients read only those two). Built once, when the first connection that wants it asks, and
 * shared.
 */
export class EventFrame {
  #text: string | undefined
  readonly #args: { value: unknown[]; json?: string }

  constructor(stream: string, eventName: string, id: string, args: unknown[])
  constructor(
    stream: string,
    eventName: string,
    id: string,
    args: { value: unknown[]; json?: string },
  )
  constructor(
    readonly stream: string,
    readonly eventName: string,
    /** The event's id (`eventId`): a client resumes after the last one it received. */
    readonly id: string,
    args: unknown[] | { value: unknown[]; json?: string },
  ) {
    this.#args = Array.isArray(args) ? { value: args } : args
  }

  get args(): unknown[] {
    return this.#args.value
  }

  /** The same arguments under another event name (one user's copy), serialized once for all. */
  renamed(eventName: string): EventFrame {
    return new EventFrame(this.stream, eventName, this.id, this.#args)
  }

  /** The arguments as JSON (EJSON dates), serialized once for every copy. */
  get argsJson(): string {
    this.#args.json ??= JSON.stringify(toEjson(this.#args.value))
    return this.#args.json
  }

  /** The DDP frame. */
  get text(): string {
    this.#text ??= `{"msg":"changed","collection":${JSON.stringify(this.stream)},"id":"id","fields":{"eventName":${JSON.stringify(this.eventName)},"args":${this.argsJson},"eventId":"${this.id}"}}`
    return this.#text
  }
}
