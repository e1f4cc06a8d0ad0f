import { timers } from './timers.js'

/** Where a connection's text goes: a WebSocket or an HTTP response held open. */
export interface Sink {
  write(text: string): void
  /** Bytes accepted but not yet sent to the network. */
  readonly buffered: number
}

/** How long a paced write waits before looking at the buffer again. */
const ROOM_POLL_MS = 10

/**
 * The one writer of both transports: it holds the back-pressure and the slow-client cut-off.
 * A live write that would take the unsent bytes past `limitBytes` is not made; the connection
 * is cut off instead (`onFull`). A replay waits for room (`whenRoom`) and so goes at the pace
 * the client reads.
 */
export class Writer {
  #closed = false

  constructor(
    readonly sink: Sink,
    readonly limitBytes: number,
    readonly onFull: () => void,
  ) {}

  get closed(): boolean {
    return this.#closed
  }

  get buffered(): number {
    return this.sink.buffered
  }

  /** Writes, or cuts the connection off when its client has fallen too far behind. */
  write(text: string): void {
    if (this.#closed) return
    if (this.sink.buffered + text.length > this.limitBytes) {
      this.onFull()
      return
    }
    this.sink.write(text)
  }

  /** Resolves once the unsent bytes are under half the limit, or the writer is closed. */
  async whenRoom(): Promise<void> {
    while (!this.#closed && this.sink.buffered > this.limitBytes / 2) {
      await timers.sleep(ROOM_POLL_MS)
    }
  }

  /** Writes once there is room: how a replay writes. */
  async writePaced(text: string): Promise<void> {
    await this.whenRoom()
    this.write(text)
  }

  close(): void {
    this.#closed = true
  }
}
