import { randomUUID } from 'node:crypto'
import { backendOf, type Db } from '../../db/database.js'
import { type ChannelListener, listenToChannel, notify } from '../../db/notifications.js'
import { AuthCache, type AuthCacheLimits } from './cache.js'

/**
 * Keeps each database's login cache in step with changes, from this process or any other.
 *
 * Triggers (migration 2026112501) notify the `auth_changes` channel from inside every
 * transaction that deletes a token or changes a user's name, activity or global roles, or the
 * roles of a permission; PostgreSQL delivers the notification once that transaction commits.
 * One dedicated connection per process listens and drops what changed. While it is not
 * listening (before it starts, after a lost connection until it is back), nothing is served
 * from the cache. The embedded database delivers notifications before the COMMIT returns.
 */
export const AUTH_CHANNEL = 'auth_changes'

/** How long a change waits to hear its own notification back before answering. */
const SETTLE_TIMEOUT_MS = 1000

export interface AuthChangesLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
}

interface Shared {
  cache: AuthCache
  listener: ChannelListener | undefined
  users: number
  /** Notifications arrive before COMMIT returns (the embedded database): nothing to wait for. */
  synchronous: boolean
  waiters: Map<string, () => void>
  log: AuthChangesLog
}

const shared = new WeakMap<Db, Shared>()

/** The login cache of a database, when a server keeps one for it. */
export function authCacheOf(db: Db): AuthCache | undefined {
  return shared.get(db)?.cache
}

function applyNotification(state: Shared, payload: string) {
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

function releaseWaiters(state: Shared) {
  for (const release of state.waiters.values()) release()
}

/**
 * Starts caching logins for a database (or joins the cache already running for it) and returns
 * the function that leaves it; the last one out stops listening.
 */
export async function startAuthCache(
  db: Db,
  limits: AuthCacheLimits,
  log: AuthChangesLog,
): Promise<() => Promise<void>> {
  // A database opened elsewhere (not through db/database.ts) gives no way to hear of changes,
  // so its logins are never cached.
  if (!backendOf(db)) return async () => {}
  let state = shared.get(db)
  if (state) {
    state.users++
  } else {
    const created: Shared = {
      cache: new AuthCache(limits),
      listener: undefined,
      users: 1,
      synchronous: !('pool' in (backendOf(db) ?? {})),
      waiters: new Map(),
      log,
    }
    state = created
    shared.set(db, created)
    try {
      created.listener = await listenToChannel(db, AUTH_CHANNEL, {
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
      shared.delete(db)
      throw error
    }
  }
  const joined = state
  let left = false
  return async () => {
    if (left) return
    left = true
    joined.users--
    if (joined.users > 0) return
    shared.delete(db)
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
export async function authChangesSettled(db: Db): Promise<void> {
  const state = shared.get(db)
  if (!state || state.synchronous || !state.cache.live) return
  const marker = randomUUID()
  let timer: NodeJS.Timeout | undefined
  const heard = new Promise<boolean>((resolve) => {
    state.waiters.set(marker, () => resolve(true))
    timer = setTimeout(() => resolve(false), SETTLE_TIMEOUT_MS)
  })
  try {
    await notify(db, AUTH_CHANNEL, `sync:${marker}`)
    if (!(await heard)) {
      state.cache.clear()
      state.log.warn({}, 'a login change was not heard back in time: login cache cleared')
    }
  } catch (err) {
    state.cache.clear()
    state.log.warn({ err }, 'could not confirm a login change: login cache cleared')
  } finally {
    clearTimeout(timer)
    state.waiters.delete(marker)
  }
}
