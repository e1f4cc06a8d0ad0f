import { randomUUID } from 'node:crypto'
import type { Connection, Outbox } from '../../domain/realtime/outbox.js'
import type { Payload } from '../../domain/realtime/payload.js'
import { Writer } from '../writer.js'
import { Pacing } from './pacing.js'
import {
  CLOSE,
  type CloseReason,
  ddpFrame,
  EVENTS_RESET,
  type Frame,
  LOGGED_OUT,
  lastEventIdOf,
  type MeteorError,
  meteorError,
  PASSWORD_LOGIN,
  parseFrame,
  TOO_MANY,
  VERSIONS,
} from './protocol.js'
import type { DdpLimits, DdpServices, DdpSocket, ResumedLogin } from './services.js'
import { authorize, STREAMS, type StreamSubscription, Subscriptions } from './subscriptions.js'

/** How much of a refused frame the error repeats. */
const OFFENDING_MAX = 256

/**
 * One client's DDP session over a WebSocket, as Rocket.Chat speaks it: `connect`, heartbeats,
 * `login` by resume token, `logout`, and subscriptions to the streams of private groups.
 * Frames are handled one at a time, in order; limits bound what a client can make it hold.
 * A login opens the session's outbox before it is answered, so every event after the answer
 * (and after any later `ready`) reaches it.
 */
export class DdpSession implements Connection {
  readonly id = randomUUID()
  readonly #socket: DdpSocket
  readonly #services: DdpServices
  readonly #limits: DdpLimits
  readonly #writer: Writer
  readonly #pacing: Pacing
  readonly #subscriptions = new Subscriptions()
  #connected = false
  #closed = false
  #login: ResumedLogin | undefined
  #outbox: Outbox | undefined
  #inbox: Promise<void> = Promise.resolve()
  #pending = 0
  #deadline: NodeJS.Timeout | undefined

  /** `now` is the clock the rate limit and the heartbeat read. */
  constructor(socket: DdpSocket, services: DdpServices, limits: DdpLimits, now = Date.now) {
    this.#socket = socket
    this.#services = services
    this.#limits = limits
    const sink = {
      write: (text: string) => socket.send(text),
      get buffered() {
        return socket.bufferedAmount
      },
    }
    this.#writer = new Writer(sink, limits.sendBufferBytes, () => this.close(CLOSE.slowClient))
    this.#pacing = new Pacing(
      limits,
      () => this.#send({ msg: 'ping' }),
      () => this.close(CLOSE.heartbeat),
      now,
    )
    this.#deadline = setTimeout(() => this.close(CLOSE.connectTimeout), limits.connectTimeoutMs)
  }

  /** Bytes written to the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.#writer.buffered
  }

  get userId(): string {
    return this.#login?.actor.id ?? ''
  }

  get hashedToken(): string {
    return this.#login?.hashedToken ?? ''
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size
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
        await this.#handle(text)
      } catch (err) {
        this.#services.log.warn({ err }, 'a realtime frame failed')
        this.#send({ msg: 'error', reason: 'The frame could not be handled' })
      }
    })
  }

  /** The socket closed, from either side. */
  async ended(): Promise<void> {
    this.#stop()
    await this.#inbox
    await this.#goOffline()
  }

  close(how: CloseReason): void {
    if (this.#closed) return
    if (how === CLOSE.slowClient) this.#services.slowClosed()
    this.#stop()
    this.#socket.close(how.code, how.reason)
  }

  // Connection: what the registry tells it.

  send(payload: Payload): void {
    if (!this.#closed && this.#subscriptions.wants(payload)) this.#writer.write(ddpFrame(payload))
  }

  leftRoom(roomId: string): void {
    for (const subscription of this.#subscriptions.all()) {
      if (subscription.roomId !== roomId) continue
      this.#subscriptions.delete(subscription)
      this.#nosub(subscription.id, meteorError('not-allowed'))
    }
  }

  revoke(): void {
    this.close(CLOSE.loggedOut)
  }

  #stop() {
    this.#closed = true
    this.#writer.close()
    this.#pacing.stop()
    clearTimeout(this.#deadline)
  }

  /** Replies count against the send buffer too: a client that sends but never reads is closed. */
  #send(frame: Frame) {
    if (!this.#closed) this.#writer.write(JSON.stringify(frame))
  }

  #nosub(id: string, error?: MeteorError) {
    this.#send({ msg: 'nosub', id, ...(error ? { error } : {}) })
  }

  #result(id: string, outcome: { result?: unknown; error?: unknown }) {
    this.#send({ msg: 'result', id, ...outcome })
    this.#send({ msg: 'updated', methods: [id] })
  }

  /** Past the rate: a method or sub is told to slow down; a client that keeps on is closed. */
  #refuseOverLimit(text: string) {
    if (this.#pacing.overdrawn()) return this.close(CLOSE.flood)
    const frame = parseFrame(text)
    if (typeof frame?.id !== 'string') return
    if (frame.msg === 'method') {
      this.#result(frame.id, { error: meteorError('too-many-requests', TOO_MANY) })
    } else if (frame.msg === 'sub')
      this.#nosub(frame.id, meteorError('too-many-requests', TOO_MANY))
  }

  #badRequest(text: string) {
    const offendingMessage = text.slice(0, OFFENDING_MAX)
    this.#send({ msg: 'error', reason: 'Bad request', offendingMessage })
  }

  async #handle(text: string) {
    const frame = parseFrame(text)
    if (!this.#connected) return this.#connect(frame)
    if (!frame) return this.#badRequest(text)
    const { msg, id } = frame
    const params = Array.isArray(frame.params) ? frame.params : []
    if (msg === 'ping')
      return this.#send(typeof id === 'string' ? { msg: 'pong', id } : { msg: 'pong' })
    if (msg === 'pong') return
    if (typeof id !== 'string') return this.#badRequest(text)
    if (msg === 'method' && typeof frame.method === 'string') {
      return this.#method(id, frame.method, params)
    }
    if (msg === 'sub' && typeof frame.name === 'string')
      return this.#subscribe(id, frame.name, params)
    if (msg === 'unsub') {
      const subscription = this.#subscriptions.get(id)
      if (subscription) this.#subscriptions.delete(subscription)
      return this.#nosub(id)
    }
    return this.#badRequest(text)
  }

  #connect(frame: Frame | undefined) {
    if (frame?.msg !== 'connect') return this.close(CLOSE.protocol)
    const support = Array.isArray(frame.support) ? frame.support : []
    const offered = [frame.version, ...support].some(
      (version) => typeof version === 'string' && VERSIONS.includes(version),
    )
    if (!offered) {
      this.#send({ msg: 'failed', version: '1' })
      return this.close(CLOSE.protocol)
    }
    this.#connected = true
    clearTimeout(this.#deadline)
    this.#deadline = setTimeout(() => {
      if (!this.#login) this.close(CLOSE.loginTimeout)
    }, this.#limits.loginTimeoutMs)
    this.#send({ msg: 'connected', session: this.id })
  }

  async #method(id: string, method: string, params: unknown[]) {
    if (method === 'login') return this.#loginMethod(id, params[0])
    if (method !== 'logout') {
      const error = meteorError(404, `Method '${method.slice(0, 100)}' not found`)
      return this.#result(id, { error })
    }
    const login = this.#login
    if (login) {
      // Out of the registry first: hearing of its own token's deletion, it would close unanswered.
      await this.#goOffline()
      await this.#services.logout(login)
    }
    this.#result(id, {})
    if (login) this.close(CLOSE.protocol)
  }

  async #loginMethod(id: string, options: unknown) {
    const resume =
      options !== null && typeof options === 'object' && 'resume' in options
        ? (options as { resume: unknown }).resume
        : undefined
    if (typeof resume !== 'string') {
      return this.#result(id, { error: meteorError(400, PASSWORD_LOGIN) })
    }
    const login = resume ? await this.#services.login(resume) : undefined
    if (this.#closed) return
    if (!login) return this.#result(id, { error: meteorError(403, LOGGED_OUT) })
    if (this.#login && this.#login.actor.id !== login.actor.id) {
      // Logged in again as someone else: what the first user subscribed to ends.
      for (const subscription of this.#subscriptions.all()) {
        this.#subscriptions.delete(subscription)
        this.#nosub(subscription.id)
      }
      await this.#goOffline()
    }
    this.#login = login
    clearTimeout(this.#deadline)
    if (!this.#outbox) {
      this.#outbox = this.#services.outbox(this)
      await this.#outbox.open()
      await this.#services.online(this.id, login.actor.id)
    }
    const tokenExpires = { $date: login.tokenExpires.getTime() }
    this.#result(id, {
      result: { id: login.actor.id, token: resume, tokenExpires, type: 'resume' },
    })
  }

  /** Out of the registry: no more events, and no more closing when the login goes. */
  async #goOffline() {
    const outbox = this.#outbox
    if (!outbox) return
    this.#outbox = undefined
    await outbox.close()
    await this.#services.offline(this.id)
  }

  async #subscribe(id: string, name: string, params: unknown[]) {
    const refuse = (error: MeteorError) => this.#nosub(id, error)
    if (this.#subscriptions.has(id)) return this.#send({ msg: 'ready', subs: [id] })
    if (!STREAMS.has(name)) {
      return refuse(meteorError(404, `Subscription '${name.slice(0, 100)}' not found`))
    }
    const eventName = params[0]
    const outbox = this.#outbox
    if (!outbox || typeof eventName !== 'string' || eventName.length > 200) {
      return refuse(meteorError('not-allowed'))
    }
    const { maxSubscriptions } = this.#limits
    if (this.#subscriptions.size >= maxSubscriptions) {
      const reason = `At most ${maxSubscriptions} subscriptions per connection`
      return refuse(meteorError('too-many-subscriptions', reason))
    }
    const after = lastEventIdOf(params[1])
    // A resume's group is open to a user who was its member at any point since the id: they
    // get what they were entitled to, then a `nosub` if they are no longer in it.
    const isMember =
      after === undefined
        ? (roomId: string) => this.#services.isMember(roomId, this.userId)
        : undefined
    const scope = await authorize(this.userId, name, eventName, isMember)
    if (this.#closed) return
    if (scope === false) return refuse(meteorError('not-allowed'))
    const subscription: StreamSubscription = { id, stream: name, eventName }
    if (scope) subscription.roomId = scope
    if (after === undefined) return this.#ready(subscription)
    const outcome = await outbox.resume({
      after,
      wants: (payload) => payload.stream === name && payload.eventName === eventName,
      write: (payload) => this.#writer.writePaced(ddpFrame(payload)),
      live: (rooms) => {
        if (scope && !rooms.has(scope)) refuse(meteorError('not-allowed'))
        else this.#ready(subscription)
      },
    })
    this.#services.replayed(outcome)
    if (outcome === 'reset') refuse(meteorError('error-events-reset', EVENTS_RESET))
  }

  #ready(subscription: StreamSubscription) {
    this.#subscriptions.add(subscription)
    this.#send({ msg: 'ready', subs: [subscription.id] })
  }
}
