import { sql } from 'kysely'
import pg from 'pg'
import type { DatabaseOnBackend } from './backend.js'

export interface ChannelHandlers {
  /** Listening (re)started: every notification committed from now on will arrive. */
  onListening(): void
  /** Listening stopped: notifications may be missed until `onListening` is called again. */
  onLost(error: Error): void
  onNotification(payload: string): void
}

export interface ChannelListener {
  close(): Promise<void>
}

/** Sends a notification on a channel; inside a transaction, it is delivered on commit. */
export async function notify(
  db: DatabaseOnBackend,
  channel: string,
  payload: string,
): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db)
}

const RETRY_FIRST_MS = 250
const RETRY_MAX_MS = 10_000

/**
 * On PostgreSQL, one dedicated connection per pool (the pool's settings, outside the pool, to
 * DATABASE_LISTEN_URL when set: LISTEN needs a session no transaction pooler gives) that
 * LISTENs on every channel asked for, and reconnects after a loss, with a growing pause between
 * attempts. It is opened with the first channel and closed with the last.
 */
class SharedListener {
  readonly #options: pg.ClientConfig
  readonly #channels = new Map<string, Set<ChannelHandlers>>()
  #client: pg.Client | undefined
  #connecting: Promise<void> | undefined
  #listening = false
  /** The channels the current connection listens on. */
  readonly #listened = new Set<string>()
  #retryMs = RETRY_FIRST_MS
  #retry: NodeJS.Timeout | undefined

  constructor(pool: pg.Pool, listenUrl: string | undefined) {
    // The pool's settings, but straight to PostgreSQL when a pooler stands before the pool.
    this.#options = {
      ...pool.options,
      keepAlive: true,
      ...(listenUrl && { connectionString: listenUrl }),
    }
  }

  /** Channels are asked for, and no connection listens on them now. */
  get lost(): boolean {
    return this.#channels.size > 0 && !this.#listening
  }

  /** Resolves once the first attempt to listen has succeeded or failed (then retried). */
  async add(channel: string, handlers: ChannelHandlers): Promise<ChannelListener> {
    let set = this.#channels.get(channel)
    if (!set) {
      set = new Set()
      this.#channels.set(channel, set)
    }
    set.add(handlers)
    if (!this.#client) {
      this.#connecting ??= this.#connect().finally(() => {
        this.#connecting = undefined
      })
    }
    if (this.#connecting) await this.#connecting
    else if (this.#listening) {
      const client = this.#client as pg.Client
      if (!this.#listened.has(channel)) {
        try {
          await client.query(`listen ${pg.escapeIdentifier(channel)}`)
          this.#listened.add(channel)
        } catch (error) {
          this.#lost(client, asError(error))
          return this.#remover(channel, handlers)
        }
      }
      handlers.onListening()
    }
    return this.#remover(channel, handlers)
  }

  #remover(channel: string, handlers: ChannelHandlers): ChannelListener {
    return {
      close: async () => {
        const set = this.#channels.get(channel)
        if (!set?.delete(handlers) || set.size > 0) return
        this.#channels.delete(channel)
        this.#listened.delete(channel)
        const client = this.#client
        if (this.#channels.size === 0) {
          clearTimeout(this.#retry)
          this.#client = undefined
          this.#listening = false
          this.#listened.clear()
          await client?.end().catch(() => {})
        } else if (client && this.#listening) {
          await client.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => {})
        }
      },
    }
  }

  #unlistened(): string | undefined {
    for (const channel of this.#channels.keys()) if (!this.#listened.has(channel)) return channel
    return undefined
  }

  #each(call: (handlers: ChannelHandlers) => void) {
    for (const set of this.#channels.values()) for (const handlers of set) call(handlers)
  }

  #lost(current: pg.Client, error: Error) {
    if (this.#client !== current) return
    this.#client = undefined
    this.#listening = false
    this.#listened.clear()
    current.end().catch(() => {})
    if (this.#channels.size === 0) return
    this.#each((handlers) => handlers.onLost(error))
    this.#retry = setTimeout(() => void this.#connect(), this.#retryMs)
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS)
  }

  async #connect(): Promise<void> {
    if (this.#channels.size === 0) return
    const current = new pg.Client(this.#options)
    this.#client = current
    current.on('error', (error) => this.#lost(current, error))
    current.on('end', () => this.#lost(current, new Error('the notification connection ended')))
    current.on('notification', (message) => {
      if (this.#client !== current) return
      for (const handlers of this.#channels.get(message.channel) ?? []) {
        handlers.onNotification(message.payload ?? '')
      }
    })
    try {
      await current.connect()
      // Channels asked for meanwhile are listened on too, before anyone is told.
      for (let next = this.#unlistened(); next; next = this.#unlistened()) {
        await current.query(`listen ${pg.escapeIdentifier(next)}`)
        this.#listened.add(next)
      }
    } catch (error) {
      this.#lost(current, asError(error))
      return
    }
    if (this.#client !== current) return
    this.#retryMs = RETRY_FIRST_MS
    this.#listening = true
    this.#each((handlers) => handlers.onListening())
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

const listeners = new WeakMap<pg.Pool, SharedListener>()

/**
 * Listens on a notification channel of the database. Every channel of one database shares one
 * listening connection (on PostgreSQL), whoever listens. Resolves once the first attempt to
 * listen has succeeded or failed (on PostgreSQL, a failed attempt is retried in the
 * background). The embedded database delivers a notification before the COMMIT that sends it
 * returns.
 */
export async function listenToChannel(
  db: DatabaseOnBackend,
  channel: string,
  handlers: ChannelHandlers,
): Promise<ChannelListener> {
  const { backend } = db
  if (!backend) throw new Error('unknown database')
  if ('pool' in backend) {
    let shared = listeners.get(backend.pool)
    if (!shared) {
      shared = new SharedListener(backend.pool, backend.listenUrl)
      listeners.set(backend.pool, shared)
    }
    return shared.add(channel, handlers)
  }
  const stop = backend.embedded.onNotification((name, payload) => {
    if (name === channel) handlers.onNotification(payload)
  })
  // Through Kysely, so the statement waits its turn on the embedded database's one session.
  await sql`listen ${sql.id(channel)}`.execute(db)
  handlers.onListening()
  return { close: async () => stop() }
}

/**
 * Whether the database's notification listener is down (lost, or not yet listening, and being
 * retried) while something listens: the process misses wake-ups and login changes meanwhile.
 * Never on the embedded database.
 */
export function listenerLost(db: DatabaseOnBackend): boolean {
  const backend = db.backend
  if (!backend || !('pool' in backend)) return false
  return listeners.get(backend.pool)?.lost ?? false
}
