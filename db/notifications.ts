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
 * On PostgreSQL, a dedicated connection (the pool's settings, outside the pool) that LISTENs and
 * reconnects after a loss, with a growing pause between attempts.
 */
function listenOnPostgres(pool: pg.Pool, channel: string, handlers: ChannelHandlers) {
  let client: pg.Client | undefined
  let closed = false
  let retryMs = RETRY_FIRST_MS
  let retry: NodeJS.Timeout | undefined

  const connect = async (): Promise<void> => {
    const current = new pg.Client({ ...pool.options, keepAlive: true })
    client = current
    const lost = (error: Error) => {
      if (client !== current) return
      client = undefined
      current.end().catch(() => {})
      if (closed) return
      handlers.onLost(error)
      retry = setTimeout(() => void connect(), retryMs)
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
    }
    current.on('error', lost)
    current.on('end', () => lost(new Error('the notification connection ended')))
    current.on('notification', (message) => {
      if (client === current && message.channel === channel) {
        handlers.onNotification(message.payload ?? '')
      }
    })
    try {
      await current.connect()
      await current.query(`listen ${pg.escapeIdentifier(channel)}`)
    } catch (error) {
      lost(error instanceof Error ? error : new Error(String(error)))
      return
    }
    if (client !== current || closed) return
    retryMs = RETRY_FIRST_MS
    handlers.onListening()
  }

  const listener: ChannelListener = {
    async close() {
      closed = true
      clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
  return { listener, started: connect() }
}

/**
 * Listens on a notification channel of the database. Resolves once the first attempt to listen
 * has succeeded or failed (on PostgreSQL, a failed attempt is retried in the background).
 * The embedded database delivers a notification before the COMMIT that sends it returns.
 */
export async function listenToChannel(
  db: DatabaseOnBackend,
  channel: string,
  handlers: ChannelHandlers,
): Promise<ChannelListener> {
  const { backend } = db
  if (!backend) throw new Error('unknown database')
  if ('pool' in backend) {
    const { listener, started } = listenOnPostgres(backend.pool, channel, handlers)
    await started
    return listener
  }
  const stop = backend.embedded.onNotification((name, payload) => {
    if (name === channel) handlers.onNotification(payload)
  })
  // Through Kysely, so the statement waits its turn on the embedded database's one session.
  await sql`listen ${sql.id(channel)}`.execute(db)
  handlers.onListening()
  return { close: async () => stop() }
}
