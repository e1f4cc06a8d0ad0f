import { readFacts } from './facts.js'
import type { EventLog, LogPosition } from './log/event-log.js'
import type { Registry } from './registry.js'
import { translate } from './translate.js'

/** The channel the event log's trigger notifies; the payload only wakes readers. */
export const EVENTS_CHANNEL = 'events'

export interface RelayLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/** What wakes the relay: a notification channel of the database (db/notifications.ts). */
export interface Wakeups {
  listen(
    channel: string,
    handlers: { onListening(): void; onLost(error: Error): void; onNotification(): void },
  ): Promise<{ close(): Promise<void> }>
}

export interface RelayOptions {
  /** How often the log is read even without a notification (a lost one, a listener reconnecting). */
  pollMs: number
  /** Events read per statement (a transaction's events are never split). */
  batchSize: number
}

/**
 * One process's reader of the event log. It reads whole committed transactions in log order,
 * has each translated, and the registry carry out the steps; other work (`run`) goes between
 * two transactions, so it sees the registry exactly at `position`. A notification wakes it; a
 * timer reads anyway every `pollMs`. It starts with the process, before any connection.
 */
export class EventRelay {
  readonly #log: EventLog
  readonly #registry: Registry
  readonly #options: RelayOptions
  readonly #logger: RelayLog
  #position: LogPosition | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #readQueued = false
  #listener: { close(): Promise<void> } | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(log: EventLog, registry: Registry, options: RelayOptions, logger: RelayLog) {
    this.#log = log
    this.#registry = registry
    this.#options = options
    this.#logger = logger
  }

  get started(): boolean {
    return this.#position !== undefined && !this.#stopped
  }

  /** Where the relay has read to; events after it have not been handed out yet. */
  get position(): LogPosition {
    if (!this.#position) throw new Error('the event relay has not started')
    return this.#position
  }

  /** Takes the head of the log as its position, then listens; a stop meanwhile wins. */
  async start(wakeups: Wakeups): Promise<void> {
    const head = await this.#log.head()
    const listener = await wakeups.listen(EVENTS_CHANNEL, {
      onListening: () => void this.wake(),
      onLost: (err) =>
        this.#logger.warn({ err }, 'event notifications lost: reading the log on a timer'),
      onNotification: () => void this.wake(),
    })
    if (this.#stopped) {
      await listener.close()
      return
    }
    this.#position ??= head
    this.#listener = listener
    this.#timer = setInterval(() => void this.wake(), this.#options.pollMs)
    this.#timer.unref()
    void this.wake()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#listener?.close()
    await this.#queue.catch(() => {})
  }

  /** Runs work between two transactions' steps, in turn with the reading. */
  run<T>(work: () => Promise<T> | T): Promise<T> {
    const result = this.#queue.then(work)
    this.#queue = result.catch(() => {})
    return result
  }

  /** Reads what the log holds past `position` (at most one read waits its turn). */
  wake(): Promise<void> {
    if (this.#readQueued || this.#stopped || !this.#position) return this.#queue.then(() => {})
    this.#readQueued = true
    return this.run(async () => {
      this.#readQueued = false
      await this.#readAll()
    })
  }

  async #readAll() {
    while (!this.#stopped) {
      let transactions: Awaited<ReturnType<EventLog['after']>>
      try {
        transactions = await this.#log.after(this.position, this.#options.batchSize)
      } catch (err) {
        this.#logger.warn({ err }, 'reading the event log failed: retrying on the next wake')
        return
      }
      if (transactions.length === 0) return
      for (const transaction of transactions) {
        try {
          const facts = await readFacts(this.#log, this.#registry, transaction)
          this.#registry.apply(translate(transaction.events, facts))
        } catch (err) {
          this.#logger.error({ err }, 'delivering events failed')
        }
        this.#position = transaction.end
      }
    }
  }
}
