import type { Actor } from '../actor.js'
import type { EventFrame } from './frames.js'
import { STREAM } from './frames.js'
import type { Subscriber } from './hub.js'

/** Where an event stream writes: an HTTP response held open. */
export interface StreamTarget {
  write(text: string): unknown
  end(): void
  /** Bytes written but not yet sent. */
  readonly writableLength: number
}

export interface EventStreamLimits {
  /** Unsent bytes a client may leave before it is cut off as too slow. */
  sendBufferBytes: number
  /** How often a comment line is written to a quiet stream, to keep proxies from closing it. */
  keepAliveMs: number
  /** The reconnection delay clients are told (`retry:`). */
  retryMs: number
}

/**
 * One user's events as Server-Sent Events: every event the user is entitled to (their
 * subscriptions and groups, the messages of their groups, role changes), in log order. `id:` is
 * the event id, `event:` the Rocket.Chat stream and event name joined by a slash, `data:` the
 * event's arguments as JSON.
 */
export class EventStream implements Subscriber {
  readonly userId: string
  readonly username: string
  #closed = false
  /** Closed because the client read too slowly. */
  cutOff = false
  readonly #keepAlive: NodeJS.Timeout
  /** Runs once, when the stream ends from either side. */
  onEnd: () => void = () => {}

  constructor(
    actor: Actor,
    readonly hashedToken: string,
    readonly target: StreamTarget,
    readonly limits: EventStreamLimits,
  ) {
    this.userId = actor.id
    this.username = actor.username
    this.#write(`retry: ${limits.retryMs}\n\n`)
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), limits.keepAliveMs)
    this.#keepAlive.unref()
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Bytes written to the response and not yet sent. */
  get bufferedBytes(): number {
    return this.target.writableLength
  }

  /** Whether the stream carries a frame the hub hands its user. */
  wants(frame: EventFrame): boolean {
    return carriedFor(this.userId, frame)
  }

  deliver(frame: EventFrame): void {
    if (this.wants(frame)) this.#write(format(frame))
  }

  /** A replayed event, once the client has read enough of what was sent before it. */
  async send(frame: EventFrame): Promise<void> {
    while (!this.#closed && this.target.writableLength > this.limits.sendBufferBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    this.#write(format(frame))
  }

  /** Tells the client its id is no longer known: it must reload over REST, then go on from `id`. */
  reset(id: string | undefined, reason: string): void {
    const data = JSON.stringify({ error: 'error-events-reset', reason })
    this.#write(`${id ? `id: ${id}\n` : ''}event: reset\ndata: ${data}\n\n`)
  }

  leftRoom(): void {}

  revoke(): void {
    this.close()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#keepAlive)
    this.target.end()
    this.onEnd()
  }

  /** The client went away. */
  ended(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#keepAlive)
    this.onEnd()
  }

  #write(text: string) {
    if (this.#closed) return
    if (this.target.writableLength + text.length > this.limits.sendBufferBytes) {
      this.cutOff = true
      this.close()
      return
    }
    this.target.write(text)
  }
}

function format(frame: EventFrame): string {
  return `id: ${frame.id}\nevent: ${frame.stream}/${frame.eventName}\ndata: ${frame.argsJson}\n\n`
}

/** Whether a user's event stream carries a frame the hub hands that user. */
export function carriedFor(userId: string, frame: EventFrame): boolean {
  switch (frame.stream) {
    case STREAM.user:
      return frame.eventName.startsWith(`${userId}/`)
    case STREAM.roomMessages:
      // `__my_messages__` repeats each group's messages, which the stream carries already.
      return frame.eventName !== '__my_messages__'
    case STREAM.logged:
      return frame.eventName === 'roles-change'
    default:
      return false
  }
}
