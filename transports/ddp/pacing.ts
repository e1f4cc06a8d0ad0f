import { timers } from '../timers.js'

/** How often a client may send frames, and how long it may stay silent. */
export interface PacingLimits {
  pingAfterMs: number
  pongTimeoutMs: number
  messagesPerSecond: number
  messageBurst: number
}

/**
 * A session's heartbeat and flood bucket, on the process's shared timers. The heartbeat pings a client silent for
 * `pingAfterMs` and calls `onTimeout` when no frame follows within `pongTimeoutMs`; the bucket
 * lets `messagesPerSecond` frames through, with bursts of `messageBurst`.
 */
export class Pacing {
  #tokens: number
  #refilledAt: number
  #lastHeard: number
  #pingSentAt: number | undefined
  #cancel: (() => void) | undefined
  #stopped = false

  constructor(
    readonly limits: PacingLimits,
    readonly ping: () => void,
    readonly onTimeout: () => void,
    readonly now: () => number = Date.now,
  ) {
    this.#tokens = limits.messageBurst
    this.#refilledAt = now()
    this.#lastHeard = now()
    this.#schedule(limits.pingAfterMs)
  }

  /** A frame arrived: the client is alive. */
  heard() {
    this.#lastHeard = this.now()
    this.#pingSentAt = undefined
  }

  /** Takes a token for a frame; false when the client is over its rate or `pending` is full. */
  take(pending: number): boolean {
    const now = this.now()
    const refill = ((now - this.#refilledAt) / 1000) * this.limits.messagesPerSecond
    this.#tokens = Math.min(this.limits.messageBurst, this.#tokens + refill)
    this.#refilledAt = now
    if (this.#tokens < 1 || pending >= this.limits.messageBurst) return false
    this.#tokens -= 1
    return true
  }

  /** A frame over the rate: true once the client has kept on long enough to be closed. */
  overdrawn(): boolean {
    this.#tokens -= 1
    return this.#tokens < -this.limits.messageBurst
  }

  stop() {
    this.#stopped = true
    this.#cancel?.()
  }

  #schedule(delayMs: number) {
    this.#cancel = timers.after(delayMs, () => this.#check())
  }

  #check() {
    if (this.#stopped) return
    const now = this.now()
    if (this.#pingSentAt !== undefined) {
      const waited = now - this.#pingSentAt
      if (waited >= this.limits.pongTimeoutMs) return this.onTimeout()
      return this.#schedule(this.limits.pongTimeoutMs - waited)
    }
    const silent = now - this.#lastHeard
    if (silent < this.limits.pingAfterMs) return this.#schedule(this.limits.pingAfterMs - silent)
    this.#pingSentAt = now
    this.ping()
    this.#schedule(this.limits.pongTimeoutMs)
  }
}
