import type { Db } from '../../db/database.js'
import {
  deleteConnection,
  deleteExpiredConnections,
  deleteProcessConnections,
  onlineMembers,
  saveConnections,
} from '../../db/queries/presence.js'

export interface PresenceOptions {
  /** This process's id: its rows are the ones it bumps, and deletes when it stops. */
  processId: string
  /** How often this process bumps its rows and sweeps expired ones. */
  heartbeatMs: number
  /** How long a row lives without a bump; longer than `heartbeatMs`. */
  expiryMs: number
}

export interface PresenceLog {
  warn(details: object, message: string): void
}

const silent: PresenceLog = { warn: () => {} }

/** Longest `stop` waits for the database. */
const STOP_WAIT_MS = 2000

/**
 * Who is online, across processes: a user is online while they have at least one
 * authenticated realtime connection on a live process. Each process keeps its connections in
 * memory and in `presence_connections`; its heartbeat writes them all again as seen now, and
 * deletes any process's rows older than `expiryMs`, so a killed process's users go offline
 * within `expiryMs` of its last heartbeat (readers ignore older rows before they are swept).
 *
 * Writes run one at a time, in the order they were asked for: a disconnect never overtakes its
 * connect, and a heartbeat never writes back a connection that has just closed. A failed write
 * is logged, never thrown: the next heartbeat writes a lost connect again, and a lost
 * disconnect's row expires, no longer bumped.
 */
export class Presence {
  readonly #db: Db
  readonly #options: PresenceOptions
  readonly #log: PresenceLog
  /** This process's connections: connection id → user id. */
  readonly #connections = new Map<string, string>()
  #queue: Promise<void> = Promise.resolve()
  #heartbeatQueued = false
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(db: Db, options: PresenceOptions, log: PresenceLog = silent) {
    if (options.expiryMs <= options.heartbeatMs) {
      throw new Error('presence: expiryMs must be longer than heartbeatMs')
    }
    this.#db = db
    this.#options = options
    this.#log = log
  }

  get processId(): string {
    return this.#options.processId
  }

  /** Starts the heartbeat; it never keeps the process alive. */
  start(): void {
    if (this.#timer || this.#stopped) return
    this.#timer = setInterval(() => void this.heartbeat(), this.#options.heartbeatMs)
    this.#timer.unref()
  }

  /**
   * Stops the heartbeat and deletes this process's rows: its users' connections end with it.
   * It waits for the database at most STOP_WAIT_MS, so a database that does not answer cannot
   * hold a shutdown; rows left behind expire like a killed process's.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#timer)
    this.#connections.clear()
    const deleted = this.#write('could not delete the presence rows of this process', () =>
      deleteProcessConnections(this.#db, this.processId),
    )
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), STOP_WAIT_MS)
    })
    if ((await Promise.race([deleted, late])) === 'late') {
      this.#log.warn(
        {},
        'presence rows of this process left to expire: the database did not answer',
      )
    }
    clearTimeout(timer)
  }

  /** A connection authenticated as `userId` (again, after a login as someone else). */
  connected(connectionId: string, userId: string): Promise<void> {
    if (this.#stopped) return this.#queue
    this.#connections.set(connectionId, userId)
    return this.#write('could not record a connection', () =>
      saveConnections(this.#db, this.processId, [{ connectionId, userId }]),
    )
  }

  /** A connection closed, or logged out. */
  disconnected(connectionId: string): Promise<void> {
    if (this.#stopped || !this.#connections.delete(connectionId)) return this.#queue
    return this.#write('could not delete a connection', () =>
      deleteConnection(this.#db, connectionId),
    )
  }

  /**
   * Writes this process's connections as seen now, then sweeps expired rows; the timer calls
   * it every `heartbeatMs`. A heartbeat still waiting its turn serves a second call too.
   */
  heartbeat(): Promise<void> {
    if (this.#stopped || this.#heartbeatQueued) return this.#queue
    this.#heartbeatQueued = true
    return this.#write('presence heartbeat failed', async () => {
      this.#heartbeatQueued = false
      const connections = [...this.#connections].map(([connectionId, userId]) => ({
        connectionId,
        userId,
      }))
      await saveConnections(this.#db, this.processId, connections)
      await deleteExpiredConnections(this.#db, this.#options.expiryMs)
    })
  }

  /** The group's members who are online, by username: `{_id, username}`. */
  onlineMembers(roomId: string) {
    return onlineMembers(this.#db, roomId, this.#options.expiryMs)
  }

  #write(failure: string, work: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(work).catch((err: unknown) => this.#log.warn({ err }, failure))
    return this.#queue
  }
}
