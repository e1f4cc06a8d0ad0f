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

/**
 * One event as Rocket.Chat sends it: a `changed` frame of the stream's collection, always with
 * the id "id". Built once, when the first connection that wants it asks, and shared.
 */
export class EventFrame {
  #text: string | undefined
  readonly #args: { value: unknown[]; json?: string }

  constructor(stream: string, eventName: string, args: unknown[])
  constructor(stream: string, eventName: string, args: { value: unknown[]; json?: string })
  constructor(
    readonly stream: string,
    readonly eventName: string,
    args: unknown[] | { value: unknown[]; json?: string },
  ) {
    this.#args = Array.isArray(args) ? { value: args } : args
  }

  get args(): unknown[] {
    return this.#args.value
  }

  /** The same arguments under another event name (one user's copy), serialized once for all. */
  renamed(eventName: string): EventFrame {
    return new EventFrame(this.stream, eventName, this.#args)
  }

  get text(): string {
    if (this.#text === undefined) {
      this.#args.json ??= JSON.stringify(toEjson(this.#args.value))
      this.#text = `{"msg":"changed","collection":${JSON.stringify(this.stream)},"id":"id","fields":{"eventName":${JSON.stringify(this.eventName)},"args":${this.#args.json}}}`
    }
    return this.#text
  }
}
