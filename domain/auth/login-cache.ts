import type { Actor } from '../actor.js'

/** The roles each permission lists, as one snapshot of `permission_roles`. */
export type PermissionGrants = ReadonlyMap<string, ReadonlySet<string>>

export interface LoginCacheLimits {
  /** How long an entry may be served without news of a change; a safety net only. */
  ttlMs: number
  /** Most logins kept; the least recently used goes first. */
  maxTokens: number
}

interface Entry<T> {
  value: T
  expires: number
}

/**
 * What logins resolve to (hashed token -> actor) and the permissions' roles, kept in process so
 * a request needs no round trip to authenticate. Entries are served only while `live`, that
 * is while the process hears of every change (see login-changes.ts); losing that clears
 * everything. A lookup that races a change cannot store what it read before the change:
 * every change bumps `generation`, and a value is stored only if none happened during its load.
 */
export class LoginCache<V extends Actor = Actor> {
  readonly #limits: LoginCacheLimits
  readonly #now: () => number
  readonly #tokens = new Map<string, Entry<V>>()
  #grants: Entry<PermissionGrants> | undefined
  #generation = 0
  #live = false

  constructor(limits: LoginCacheLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  get live(): boolean {
    return this.#live
  }

  /** Starts or stops serving entries; either way, everything known so far is dropped. */
  setLive(live: boolean): void {
    this.#live = live
    this.clear()
  }

  clear(): void {
    this.#generation++
    this.#tokens.clear()
    this.#grants = undefined
  }

  /** The actor a hashed token resolves to, from the cache or else from `load`. */
  async actor(hashedToken: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.#live) return load()
    const entry = this.#tokens.get(hashedToken)
    if (entry && entry.expires > this.#now()) {
      // Re-inserted so Map order stays least recently used first.
      this.#tokens.delete(hashedToken)
      this.#tokens.set(hashedToken, entry)
      return entry.value
    }
    this.#tokens.delete(hashedToken)
    const generation = this.#generation
    const actor = await load()
    if (actor && this.#live && generation === this.#generation) {
      this.#tokens.set(hashedToken, { value: Object.freeze(actor), expires: this.#expiry() })
      if (this.#tokens.size > this.#limits.maxTokens) {
        const oldest = this.#tokens.keys().next().value
        if (oldest !== undefined) this.#tokens.delete(oldest)
      }
    }
    return actor
  }

  /** The permissions' roles, from the cache or else from `load`. */
  async grants(load: () => Promise<PermissionGrants>): Promise<PermissionGrants> {
    if (!this.#live) return load()
    const entry = this.#grants
    if (entry && entry.expires > this.#now()) return entry.value
    const generation = this.#generation
    const grants = await load()
    if (this.#live && generation === this.#generation) {
      this.#grants = { value: grants, expires: this.#expiry() }
    }
    return grants
  }

  forgetToken(hashedToken: string): void {
    this.#generation++
    this.#tokens.delete(hashedToken)
  }

  forgetUser(userId: string): void {
    this.#generation++
    for (const [hashedToken, entry] of this.#tokens) {
      if (entry.value.id === userId) this.#tokens.delete(hashedToken)
    }
  }

  forgetGrants(): void {
    this.#generation++
    this.#grants = undefined
  }

  #expiry(): number {
    return this.#now() + this.#limits.ttlMs
  }
}
