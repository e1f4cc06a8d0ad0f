/**
 * How many realtime connections each user holds in this process, DDP and SSE together, capped
 * at `max`: one user opening connections without end cannot take a process's sockets, memory
 * and delivery time from everyone else.
 */
export class UserConnections {
  readonly #held = new Map<string, number>()

  constructor(readonly max: number) {}

  /** Takes a place for one of a user's connections; false when the user holds `max` already. */
  take(userId: string): boolean {
    const held = this.#held.get(userId) ?? 0
    if (held >= this.max) return false
    this.#held.set(userId, held + 1)
    return true
  }

  /** Gives a connection's place back. */
  give(userId: string): void {
    const held = (this.#held.get(userId) ?? 0) - 1
    if (held > 0) this.#held.set(userId, held)
    else this.#held.delete(userId)
  }
}
