import type { Db } from '../../db/database.js'
import { type ChannelListener, listenToChannel } from '../../db/notifications.js'
import {
  byTransaction,
  type LoggedEvent,
  type LogPosition,
  logHead,
  readEventsAfter,
} from '../../db/queries/events.js'

/** The channel the event log's trigger notifies; the payload only wakes readers. */
export const EVENTS_CHANNEL = 'events'

export interface RelayLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface RelayOptions {
  /** How often the log is read even without a notification (a lost one, a listener reconnecting). */
  pollMs: number
  /** Events read per statement (a transaction's events are never split). */
  batchSize: number
}

/** Called with each transaction's events, in log order, one transaction at a time. */
export type TransactionHandler = (events: LoggedEvent[]) => Promise<void>

/**
 * One process's reader of the event log. It reads in `(xid, id)` order up to the point where
 * every transaction has ended (db/queries/events.ts), hands each transaction's events to its
 * handler, and runs other work (`run`) between two transactions, so that work sees the log
 * exactly at `position`. A notification wakes it; a timer reads anyway every `pollMs`.
 */
export class EventRelay {
  readonly #db: Db
  readonly #handle: TransactionHandler
  readonly #options: RelayOptions
  readonly #log: RelayLog
  #position: LogPosition | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #readQueued = false
  #listener: ChannelListener | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(db: Db, handle: TransactionHandler, options: RelayOptions, log: RelayLog) {
    this.#db = db
    this.#handle = handle
    this.#options = options
    this.#log = log
  }

  /** Where the relay has read to; events after it have not been handed out yet. */
  get position(): LogPosition {
    if (!this.#position) throw new Error('the event relay has not started')
    return this.#position
  }

  async start(): Promise<void> {
    this.#position = await logHead(this.#db)
    this.#listener = await listenToChannel(this.#db, EVENTS_CHANNEL, {
      onListening: () => this.wake(),
      onLost: (err) =>
        this.#log.warn({ err }, 'event notifications lost: reading the log on a timer'),
      onNotification: () => this.wake(),
    })
    this.#timer = setInterval(() => this.wake(), this.#options.pollMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#listener?.close()
    await this.#queue.catch(() => {})
  }

  /** Runs work between two transactions' deliveries, in turn with the reading. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work)
    this.#queue = result.catch(() => {})
    return result
  }

  /** Reads what the log holds past `position` (at most one read waits its turn). */
  wake(): Promise<void> {
    if (this.#readQueued || this.#stopped) return this.#queue.then(() => {})
    this.#readQueued = true
    return this.run(async () => {
      this.#readQueued = false
      await this.#readAll()
    })
  }

  async #readAll() {
    while (!this.#stopped) {
      let events: LoggedEvent[]
      try {
        events = await readEventsAfter(this.#db, this.position, this.#options.batchSize)
      } catch (err) {
        this.#log.warn({ err }, 'reading the event log failed: retrying on the next wake')
        return
      }
      if (events.length === 0) return
      for (const transaction of byTransaction(events)) {
        try {
          await this.#handle(transaction)
        } catch (err) {
          this.#log.error({ err }, 'delivering events failed')
        }
        const last = transaction[transaction.length - 1] as LoggedEvent
        this.#position = { xid: last.xid, id: last.id }
      }
    }
  }
}
