import type { Room } from '../../db/types.js'
import { readFacts } from './facts.js'
import { type EventLog, isBefore, type LogPosition } from './log/event-log.js'
import { END_OF_TRANSACTION, type EventKey, type Payload } from './payload.js'
import { type Recipient, Registry } from './registry.js'
import { translate } from './translate.js'

/** Transactions read per statement while replaying. */
const REPLAY_BATCH = 200

/** Collects what one user is sent, transaction by transaction. */
class Recorder implements Recipient {
  payloads: Payload[] = []
  readonly hashedToken = ''
  constructor(readonly userId: string) {}
  send(payload: Payload) {
    this.payloads.push(payload)
  }
  leftRoom() {}
  revoke() {}
}

/**
 * One user's past, told again: the payloads the user was sent live after an event id, computed
 * by the same translation from the same log, transaction by transaction. It starts at the id's
 * transaction with the user's groups as they were then, and knows the user's groups wherever
 * it has read to. It reads only the transactions that concern the user (their own events,
 * their groups', the global ones), found by index: a replay costs what the user missed, not
 * the length of the log since.
 */
export class UserHistory {
  readonly #log: EventLog
  readonly #registry = new Registry()
  readonly #recorder: Recorder
  /** The groups read so far, as they were when first read. */
  readonly #rooms = new Map<string, Room>()
  readonly #key: EventKey
  readonly #after: string
  #cursor: LogPosition
  #found = false

  private constructor(log: EventLog, userId: string, key: EventKey, after: string) {
    this.#log = log
    this.#recorder = new Recorder(userId)
    this.#key = key
    this.#after = after
    this.#cursor = { xid: key.xid, id: 0 }
  }

  /** The history after an id the log holds; the user's groups read as of just before it. */
  static async from(log: EventLog, userId: string, key: EventKey, after: string) {
    const history = new UserHistory(log, userId, key, after)
    const rooms = await log.roomsAt(userId, history.#cursor)
    history.#registry.add(history.#recorder, rooms)
    return history
  }

  /** The user's groups at the point read to. */
  get rooms(): ReadonlySet<string> {
    return this.#registry.roomsOf(this.#recorder.userId)
  }

  /** Whether the id was found among the payloads (false until its transaction is read). */
  get found(): boolean {
    return this.#found
  }

  /**
   * The payloads after the id, up to a position the relay has read to, a transaction at a
   * time. Ends early (`unknown`) when the id's transaction does not hold the id.
   */
  async *readTo(upTo: LogPosition): AsyncGenerator<Payload[] | 'unknown'> {
    while (isBefore(this.#cursor, upTo)) {
      // The id's own transaction alone first: an id the user was never sent is refused at once.
      const limit = this.#found ? REPLAY_BATCH : 1
      const transactions = await this.#log.ofUserBetween(
        this.#recorder.userId,
        this.rooms,
        this.#cursor,
        upTo,
        limit,
        this.#found ? undefined : this.#key.xid,
      )
      for (const transaction of transactions) {
        this.#recorder.payloads = []
        this.#registry.apply(
          translate(
            transaction.events,
            await readFacts(this.#log, this.#registry, transaction, this.#rooms),
          ),
        )
        let payloads = this.#recorder.payloads
        if (!this.#found) {
          const at =
            this.#key.slot === END_OF_TRANSACTION
              ? payloads.length - 1
              : payloads.findIndex((payload) => payload.id === this.#after)
          if (at < 0 && this.#key.slot !== END_OF_TRANSACTION) {
            yield 'unknown'
            return
          }
          this.#found = true
          payloads = payloads.slice(at + 1)
        }
        this.#cursor = transaction.end
        yield payloads
      }
      // Fewer than asked for: nothing else up to `upTo` concerns the user.
      if (transactions.length < limit && this.#found) this.#cursor = upTo
      if (transactions.length === 0) return
    }
  }
}
