import { randomUUID } from 'node:crypto'
import { timers } from '../timers.js'
import { Writer } from '../writer.js'
import { Pacing } from './pacing.js'
import {
  CLOSE,
  type CloseReason,
  type Frame,
  type MeteorError,
  meteorError,
  parseFrame,
  TOO_MANY,
  VERSIONS,
} from './protocol.js'
import type { DdpLimits, DdpServices, DdpSocket } from './services.js'

/** How much of a refused frame the error repeats. */
const OFFENDING_MAX = 256

/**
 * The wire side of a DDP session: `connect`, heartbeats, the flood bucket, and writing through
 * the shared writer (back-pressure, slow-client cut-off). Frames are handled one at a time, in
 * order (`handle`); limits bound what a client can make it hold.
 */
export abstract class DdpChannel {
  readonly id = randomUUID()
  protected readonly services: DdpServices
  protected readonly limits: DdpLimits
  protected readonly writer: Writer
  readonly #socket: DdpSocket
  readonly #pacing: Pacing
  #connected = false
  #closed = false
  #inbox: Promise<void> = Promise.resolve()
  #pending = 0
  /** Cancels the connect or login deadline. */
  #deadline: () => void = () => {}

  /** `now` is the clock the rate limit and the heartbeat read. */
  constructor(socket: DdpSocket, services: DdpServices, limits: DdpLimits, now = Date.now) {
    this.#socket = socket
    this.services = services
    this.limits = limits
    const sink = {
      write: (text: string) => socket.send(text),
      get buffered() {
        return socket.bufferedAmount
      },
    }
    this.writer = new Writer(sink, limits.sendBufferBytes, () => this.close(CLOSE.slowClient))
    this.#pacing = new Pacing(
      limits,
      () => this.sendFrame({ msg: 'ping' }),
      () => this.close(CLOSE.heartbeat),
      now,
    )
    this.#deadline = timers.after(limits.connectTimeoutMs, () => this.close(CLOSE.connectTimeout))
  }

  /** A connected client's frame, parsed (undefined when it is not a JSON object). */
  protected abstract handle(frame: Frame | undefined, text: string): Promise<void>

  /** Bytes written to the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.writer.buffered
  }

  get gone(): boolean {
    return this.#closed
  }

  /** A text frame from the client. */
  receive(text: string): void {
    if (this.#closed) return
    this.#pacing.heard()
    if (!this.#pacing.take(this.#pending)) {
      this.#refuseOverLimit(text)
      return
    }
    this.#pending++
    this.#inbox = this.#inbox.then(async () => {
      this.#pending--
      if (this.#closed) return
      try {
        const frame = parseFrame(text)
        if (this.#connected) await this.handle(frame, text)
        else this.#connect(frame)
      } catch (err) {
        this.services.log.warn({ err }, 'a realtime frame failed')
        this.sendFrame({ msg: 'error', reason: 'The frame could not be handled' })
      }
    })
  }

  /** The socket closed, from either side: resolves once the last frame taken is handled. */
  async ended(): Promise<void> {
    this.#stop()
    await this.#inbox
  }

  close(how: CloseReason): void {
    if (this.#closed) return
    if (how === CLOSE.slowClient) this.services.slowClosed()
    this.#stop()
    this.#socket.close(how.code, how.reason)
  }

  /** Replies count against the send buffer too: a client that sends but never reads is closed. */
  protected sendFrame(frame: Frame) {
    if (!this.#closed) this.writer.write(JSON.stringify(frame))
  }

  protected nosub(id: string, error?: MeteorError) {
    this.sendFrame({ msg: 'nosub', id, ...(error ? { error } : {}) })
  }

  protected result(id: string, outcome: { result?: unknown; error?: unknown }) {
    this.sendFrame({ msg: 'result', id, ...outcome })
    this.sendFrame({ msg: 'updated', methods: [id] })
  }

  protected badRequest(text: string) {
    const offendingMessage = text.slice(0, OFFENDING_MAX)
    this.sendFrame({ msg: 'error', reason: 'Bad request', offendingMessage })
  }

  /** The login is settled: the login deadline no longer applies. */
  protected loggedIn() {
    this.#deadline()
  }

  #stop() {
    this.#closed = true
    this.writer.close()
    this.#pacing.stop()
    this.#deadline()
  }

  /** Past the rate: a method or sub is told to slow down; a client that keeps on is closed. */
  #refuseOverLimit(text: string) {
    if (this.#pacing.overdrawn()) return this.close(CLOSE.flood)
    const frame = parseFrame(text)
    if (typeof frame?.id !== 'string') return
    const error = meteorError('too-many-requests', TOO_MANY)
    if (frame.msg === 'method') this.result(frame.id, { error })
    else if (frame.msg === 'sub') this.nosub(frame.id, error)
  }

  #connect(frame: Frame | undefined) {
    if (frame?.msg !== 'connect') return this.close(CLOSE.protocol)
    const support = Array.isArray(frame.support) ? frame.support : []
    const offered = [frame.version, ...support].some(
      (version) => typeof version === 'string' && VERSIONS.includes(version),
    )
    if (!offered) {
      this.sendFrame({ msg: 'failed', version: '1' })
      return this.close(CLOSE.protocol)
    }
    this.#connected = true
    this.#deadline()
    this.#deadline = timers.after(this.limits.loginTimeoutMs, () => this.close(CLOSE.loginTimeout))
    this.sendFrame({ msg: 'connected', session: this.id })
  }
}
