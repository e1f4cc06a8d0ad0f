import type { Actor } from '../../domain/actor.js'
import type { Connection, Outbox, ReplayOutcome } from '../../domain/realtime/outbox.js'
import {
  END_OF_TRANSACTION,
  eventId,
  inUserFeed,
  type Payload,
} from '../../domain/realtime/payload.js'
import { timers } from '../timers.js'
import { type Sink, Writer } from '../writer.js'

/** Where an event stream writes: an HTTP response held open. */
export interface StreamTarget {
  writeHead(status: number, headers: Record<string, string>): unknown
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

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers answers by default, which would hold events back.
  'x-accel-buffering': 'no',
}

const RESET =
  'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get), then go on from this event'

/** A payload as an event of the stream: `id:` the event id, `event:` stream/name, `data:` args. */
function sseEvent(payload: Payload): string {
  return payload.encoded(
    'sse',
    (p) => `id: ${p.id}\nevent: ${p.stream}/${p.eventName}\ndata: ${p.argsJson}\n\n`,
  )
}

/**
 * One user's events as Server-Sent Events: every event the user is entitled to (their
 * subscriptions and groups, the messages of their groups, role changes), in log order.
 */
export class EventStream implements Connection {
  readonly userId: string
  readonly #target: StreamTarget
  readonly #limits: EventStreamLimits
  readonly #writer: Writer
  /** Cancels the next keep-alive. */
  #keepAlive: () => void = () => {}
  #closed = false
  /** Closed because the client read too slowly. */
  cutOff = false
  /** Runs once, when the stream ends from either side. */
  onEnd: () => void = () => {}

  constructor(
    actor: Actor,
    readonly hashedToken: string,
    target: StreamTarget,
    limits: EventStreamLimits,
  ) {
    this.userId = actor.id
    this.#target = target
    this.#limits = limits
    const sink: Sink = {
      write: (text) => target.write(text),
      get buffered() {
        return target.writableLength
      },
    }
    this.#writer = new Writer(sink, limits.sendBufferBytes, () => {
      this.cutOff = true
      this.close()
    })
  }

  get gone(): boolean {
    return this.#closed
  }

  /** Bytes written to the response and not yet sent. */
  get bufferedBytes(): number {
    return this.#writer.buffered
  }

  /**
   * The status line and headers, then `retry:`: the first bytes the client sees. A stream that
   * starts live says where, as `id:`: a browser that loses it before any event reconnects with
   * that id as its `Last-Event-ID`, and resumes from there.
   */
  begin(headers: Record<string, string | number | string[]>, id?: string) {
    this.#target.writeHead(200, { ...(headers as Record<string, string>), ...HEADERS })
    this.#writer.write(`retry: ${this.#limits.retryMs}\n${id ? `id: ${id}\n` : ''}\n`)
    this.#keepOn()
  }

  /** A comment line every `keepAliveMs`, on the process's shared timers. */
  #keepOn() {
    this.#keepAlive = timers.after(this.#limits.keepAliveMs, () => {
      if (this.#closed) return
      this.#writer.write(': keep-alive\n\n')
      this.#keepOn()
    })
  }

  send(payload: Payload): void {
    if (!this.#closed && inUserFeed(this.userId, payload)) this.#writer.write(sseEvent(payload))
  }

  /** Tells the client its id is no longer known: it must reload over REST, then go on from `id`. */
  reset(id: string | undefined): void {
    const data = JSON.stringify({ error: 'error-events-reset', reason: RESET })
    this.#writer.write(`${id ? `id: ${id}\n` : ''}event: reset\ndata: ${data}\n\n`)
  }

  leftRoom(): void {}

  revoke(): void {
    this.close()
  }

  close(): void {
    if (this.#closed) return
    this.#target.end()
    this.ended()
  }

  /** The client went away, or the stream was closed. */
  ended(): void {
    if (this.#closed) return
    this.#closed = true
    this.#writer.close()
    this.#keepAlive()
    this.onEnd()
  }

  /**
   * Starts the stream. A new stream goes live through its outbox before its first byte is
   * written, so every event that commits after the client sees the status line reaches it. A
   * stream that resumes (`lastEventId`) is answered first, replayed from the id, then live;
   * an id the log no longer holds gets a `reset` event with the id to go on from.
   */
  async start(
    outbox: Outbox,
    headers: Record<string, string | number | string[]>,
    lastEventId?: string,
  ): Promise<ReplayOutcome | undefined> {
    if (!lastEventId) {
      // In the relay's turn: nothing is sent to the stream before its first byte is written.
      await outbox.open((position) => {
        if (this.#closed) return
        this.begin(headers, position.id > 0 ? eventId(position, END_OF_TRANSACTION) : undefined)
      })
      return undefined
    }
    this.begin(headers)
    const outcome = await outbox.resume({
      after: lastEventId,
      wants: (payload) => inUserFeed(this.userId, payload),
      write: (payload) => this.#writer.writePaced(sseEvent(payload)),
      live: () => {},
    })
    if (outcome === 'reset') {
      await outbox.open((position) => {
        this.reset(position.id > 0 ? eventId(position, END_OF_TRANSACTION) : undefined)
      })
    }
    return outcome
  }
}
