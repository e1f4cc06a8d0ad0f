import { randomUUID } from 'node:crypto'
import type { DatabaseOnBackend } from '../../db/backend.js'
import { type ChannelListener, listenToChannel, notify } from '../../db/notifications.js'
import type { Login } from './login.js'
import { LoginCache, type LoginCacheLimits } from './login-cache.js'

/** The channel migration 2026112501's triggers notify; a wire name, older than "login cache". */
const LOGIN_CHANGES_CHANNEL = 'auth_changes'

/** How long a change waits to hear its own notification back before answering. */
const SETTLE_TIMEOUT_MS = 1000

export interface LoginChangesLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
}

/** The login cache while at least one app uses it, and what keeps it in step. */
interface Running {
  cache: LoginCache<Login>
  listener: ChannelListener | undefined
  /** Apps using the cache; the last one out stops listening. */
  users: number
  /** Notifications arrive before COMMIT returns (the embedded database): nothing to wait for. */
  synchronous: boolean
  waiters: Map<string, () => void>
  log: LoginChangesLog
}

function applyNotification(state: Running, payload: string) {
  const [kind, value = ''] = splitPayload(payload)
  if (kind === 'token') state.cache.forgetToken(value)
  else if (kind === 'user') state.cache.forgetUser(value)
  else if (kind === 'permissions') state.cache.forgetGrants()
  else if (kind === 'sync') state.waiters.get(value)?.()
  else state.cache.clear()
}

function splitPayload(payload: string): [string, string?] {
  const colon = payload.indexOf(':')
  return colon < 0 ? [payload] : [payload.slice(0, colon), payload.slice(colon + 1)]
}

function releaseWaiters(state: Running) {
  for (const release of state.waiters.values()) release()
}

/**
 * A database's login cache, kept in step with changes from this process or any other.
 *
 * Triggers (migration 2026112501) notify the `auth_changes` channel from inside every
 * transaction that deletes a token or changes a user's name, activity or global roles, or the
 * roles of a permission; PostgreSQL delivers the notification once that transaction commits.
 * One dedicated connection per process listens and drops what changed. While it is not
 * listening (before it starts, after a lost connection until it is back), nothing is served
 * from the cache. The embedded database delivers notifications before the COMMIT returns.
 */
export class LoginChanges {
  readonly #db: DatabaseOnBackend
  #running: Running | undefined

  constructor(db: DatabaseOnBackend) {
    this.#db = db
  }

  /** The login cache, while an app keeps one for this database. */
  get cache(): LoginCache<Login> | undefined {
    return this.#running?.cache
  }

  /**
   * Starts caching logins (or joins the cache already running) and returns the function that
   * leaves it; the last one out stops listening.
   */
  async startLoginCache(
    limits: LoginCacheLimits,
    log: LoginChangesLog,
  ): Promise<() => Promise<void>> {
    const db = this.#db
    // A database built over another dialect gives no way to hear of changes, so its logins are
    // never cached.
    if (!db.backend) return async () => {}
    let running = this.#running
    if (running) {
      running.users++
    } else {
      const created: Running = {
        cache: new LoginCache<Login>(limits),
        listener: undefined,
        users: 1,
        synchronous: !('pool' in db.backend),
        waiters: new Map(),
        log,
      }
      running = created
      this.#running = created
      try {
        created.listener = await listenToChannel(db, LOGIN_CHANGES_CHANNEL, {
          onListening() {
            created.cache.setLive(true)
            log.info({}, 'login cache on: listening for changes')
          },
          onLost(err) {
            created.cache.setLive(false)
            releaseWaiters(created)
            log.warn({ err }, 'login cache off until the notification connection is back')
          },
          onNotification: (payload) => applyNotification(created, payload),
        })
      } catch (error) {
        this.#running = undefined
        throw error
      }
    }
    const joined = running
    let left = false
    return async () => {
      if (left) return
      left = true
      joined.users--
      if (joined.users > 0) return
      this.#running = undefined
      joined.cache.setLive(false)
      releaseWaiters(joined)
      await joined.listener?.close()
    }
  }

  /**
   * Called after a transaction that changed logins or permissions has committed: returns once
   * this process's listener has received a notification sent after that commit. PostgreSQL
   * delivers a channel's notifications to each listener in commit order, so the change's own
   * notifications have then been applied here, and sent to every other listening process.
   * Waits at most SETTLE_TIMEOUT_MS; past that, this process's cache is cleared instead.
   */
  async settled(): Promise<void> {
    const running = this.#running
    if (!running || running.synchronous || !running.cache.live) return
    const marker = randomUUID()
    let timer: NodeJS.Timeout | undefined
    const heard = new Promise<boolean>((resolve) => {
      running.waiters.set(marker, () => resolve(true))
      timer = setTimeout(() => resolve(false), SETTLE_TIMEOUT_MS)
    })
    try {
      await notify(this.#db, LOGIN_CHANGES_CHANNEL, `sync:${marker}`)
      if (!(await heard)) {
        running.cache.clear()
        running.log.warn({}, 'a login change was not heard back in time: login cache cleared')
      }
    } catch (err) {
      running.cache.clear()
      running.log.warn({ err }, 'could not confirm a login change: login cache cleared')
    } finally {
      clearTimeout(timer)
      running.waiters.delete(marker)
    }
  }
}
