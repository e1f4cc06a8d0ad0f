import { UserHistory } from './history.js'
import { type EventLog, isBefore, type LogPosition } from './log/event-log.js'
import { type Payload, parseEventId } from './payload.js'
import type { Recipient, Registry } from './registry.js'
import type { EventRelay } from './relay.js'

/** A connection of either transport, as its outbox sees it. */
export interface Connection extends Recipient {
  /** Whether it went away (a replay stops). */
  readonly gone: boolean
}

/**
 * How a resume ended: `live` (caught up and receiving); `reset` (the id is unknown or older
 * than the log keeps: the client must reload its state); `gone` (the connection closed, or the
 * client unsubscribed).
 */
export type ReplayOutcome = 'live' | 'reset' | 'gone'

export interface Resume {
  /** The last event id the client received. */
  after: string
  /** Whether the client no longer wants it (unsubscribed): the replay ends as `gone`. */
  stopped?(): boolean
  /** Which of the user's payloads the resuming client follows. */
  wants(payload: Payload): boolean
  /** Writes a replayed payload; resolves when the connection can take more. */
  write(payload: Payload): Promise<void>
  /**
   * Called between two transactions, right after the last replayed payload, with the user's
   * groups at that point: from here on the client receives live, with no gap and no repeat.
   */
  live(rooms: ReadonlySet<string>): void
}

/** How long a resume waits for this process's relay to reach an id given out elsewhere. */
const CATCH_UP_WAIT_MS = 5000
const CATCH_UP_POLL_MS = 20

/**
 * One connection's way to its events, the same for both transports: it goes live at a
 * position taken before its client sees anything (`open`), or replays from a client's last id
 * and cuts over to live between two transactions, with no gap and no repeat (`resume`).
 */
export class Outbox {
  #open = false

  constructor(
    readonly relay: EventRelay,
    readonly registry: Registry,
    readonly log: EventLog,
    readonly connection: Connection,
  ) {}

  /** Whether the connection receives live payloads. */
  get isOpen(): boolean {
    return this.#open
  }

  /**
   * Starts live delivery at the relay's position, returned; the user's groups are read as of
   * it. Call it before the client sees its first byte: every later event reaches it.
   * `opened` runs at that position, before any later event is sent.
   */
  open(opened?: (position: LogPosition) => void): Promise<LogPosition> {
    return this.relay.run(async () => {
      const { position } = this.relay
      const { userId } = this.connection
      if (!this.#open) {
        const known = this.registry.has(userId)
        this.#join(known ? [] : await this.log.roomsAt(userId, position))
      }
      opened?.(position)
      return position
    })
  }

  /**
   * Sends the payloads after the client's last id, as they were sent live, then goes live
   * between two transactions. Most of the replay runs beside live delivery at the pace the
   * client reads; only the last stretch, up to where the relay stands, runs in its turn.
   */
  async resume(resume: Resume): Promise<ReplayOutcome> {
    const key = parseEventId(resume.after)
    if (!key || !(await this.log.has(key))) return 'reset'
    // An id another process gave out may be ahead of this one's relay for a moment.
    const deadline = Date.now() + CATCH_UP_WAIT_MS
    const gone = () => this.connection.gone || resume.stopped?.() === true
    while (isBefore(this.relay.position, key)) {
      if (gone()) return 'gone'
      if (Date.now() > deadline) return 'reset'
      await this.relay.wake()
      if (isBefore(this.relay.position, key)) {
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS))
      }
    }
    const history = await UserHistory.from(this.log, this.connection.userId, key, resume.after)
    const replayTo = async (upTo: LogPosition): Promise<ReplayOutcome | undefined> => {
      for await (const payloads of history.readTo(upTo)) {
        if (payloads === 'unknown') return 'reset'
        for (const payload of payloads) {
          if (gone()) return 'gone'
          if (resume.wants(payload)) await resume.write(payload)
        }
      }
      return undefined
    }
    const early = await replayTo(this.relay.position)
    if (early) return early
    return this.relay.run(async (): Promise<ReplayOutcome> => {
      const late = await replayTo(this.relay.position)
      if (late) return late
      if (!history.found) return 'reset'
      if (gone()) return 'gone'
      if (!this.#open) this.#join(history.rooms)
      resume.live(history.rooms)
      return 'live'
    })
  }

  /** Stops live delivery, in turn with the relay, so no transaction is half delivered. */
  close(): Promise<void> {
    return this.relay.run(() => {
      if (!this.#open) return
      this.#open = false
      this.registry.remove(this.connection)
    })
  }

  #join(rooms: Iterable<string>) {
    this.#open = true
    this.registry.add(this.connection, rooms)
  }
}
