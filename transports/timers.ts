/**
 * One timer for every connection's deadlines (heartbeats, connect and login timeouts,
 * keep-alives, paced writes waiting for room): deadlines wait in a heap ordered by their
 * moment, and a single Node timer is set for the earliest. Setting or cancelling one costs a
 * heap step, however many connections there are. A callback runs at or after its moment, in
 * moment order; one that throws does not stop the others (its error goes to `onError`, by
 * default thrown again on the next turn, as an uncaught exception).
 */
interface Entry {
  at: number
  run: () => void
  cancelled: boolean
}

/** Cancelled entries kept before the heap is rebuilt without them (and half of the heap). */
const COMPACT_AT = 1024

export class SharedTimers {
  readonly #heap: Entry[] = []
  #cancelled = 0
  #timer: NodeJS.Timeout | undefined
  #armedAt = Number.POSITIVE_INFINITY

  constructor(
    readonly onError: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error
      }),
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Deadlines waiting, cancelled ones not yet dropped included. */
  get size(): number {
    return this.#heap.length
  }

  /** Runs `run` after `delayMs`; returns how to cancel it. */
  after(delayMs: number, run: () => void): () => void {
    const entry: Entry = { at: this.now() + Math.max(0, delayMs), run, cancelled: false }
    this.#push(entry)
    this.#arm()
    return () => {
      if (entry.cancelled) return
      entry.cancelled = true
      this.#cancelled++
      if (this.#cancelled >= COMPACT_AT && this.#cancelled * 2 > this.#heap.length) this.#compact()
    }
  }

  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(delayMs, resolve)
    })
  }

  #arm() {
    while (this.#heap[0]?.cancelled) this.#pop()
    const first = this.#heap[0]
    if (!first) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#armedAt = Number.POSITIVE_INFINITY
      return
    }
    if (this.#timer && this.#armedAt <= first.at) return
    clearTimeout(this.#timer)
    this.#armedAt = first.at
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(first.at - this.now())))
    this.#timer.unref()
  }

  #fire() {
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
    const now = this.now()
    while (this.#heap.length > 0 && (this.#heap[0] as Entry).at <= now) {
      const entry = this.#pop()
      if (entry.cancelled) continue
      entry.cancelled = true
      try {
        entry.run()
      } catch (error) {
        this.onError(error)
      }
    }
    this.#arm()
  }

  #compact() {
    const kept = this.#heap.filter((entry) => !entry.cancelled)
    this.#heap.length = 0
    this.#cancelled = 0
    for (const entry of kept) this.#push(entry)
  }

  #push(entry: Entry) {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((heap[parent] as Entry).at <= entry.at) break
      heap[i] = heap[parent] as Entry
      i = parent
    }
    heap[i] = entry
  }

  #pop(): Entry {
    const heap = this.#heap
    const top = heap[0] as Entry
    const last = heap.pop() as Entry
    if (top.cancelled) this.#cancelled--
    if (heap.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child =
        right < heap.length && (heap[right] as Entry).at < (heap[left] as Entry).at ? right : left
      if ((heap[child] as Entry).at >= last.at) break
      heap[i] = heap[child] as Entry
      i = child
    }
    heap[i] = last
    return top
  }
}

/** The process's shared timers. */
export const timers = new SharedTimers()
