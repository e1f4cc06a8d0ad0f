import { randomUUID } from 'node:crypto'
import type { Actor } from '../actor.js'
import type { EventFrame } from './frames.js'
import { STREAM } from './frames.js'
import type { ReplayOutcome, ReplayRequest, Subscriber } from './hub.js'

/** Why the server closes a realtime connection: the code and reason it sends. */
export const CLOSE = {
  /** The first frame was not `connect`, or the protocol version is not offered. */
  protocol: { code: 1002, reason: 'protocol error' },
  /** No frame (not even a `pong`) arrived for the ping period plus the pong timeout. */
  heartbeat: { code: 4000, reason: 'TIMEOUT' },
  connectTimeout: { code: 4001, reason: 'connect expected' },
  loginTimeout: { code: 4002, reason: 'login expected' },
  /** The login token was deleted (logout, user deleted or deactivated, password reset). */
  loggedOut: { code: 4003, reason: 'logged out' },
  /** The client reads too slowly: its unsent events passed the send buffer's limit. */
  slowClient: { code: 4004, reason: 'send buffer full' },
  /** The client kept sending after being told to slow down. */
  flood: { code: 4005, reason: 'too many messages' },
  /** The server is shutting down. */
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const

export interface DdpLimits {
  connectTimeoutMs: number
  loginTimeoutMs: number
  pingAfterMs: number
  pongTimeoutMs: number
  maxSubscriptions: number
  messagesPerSecond: number
  messageBurst: number
  sendBufferBytes: number
}

export interface DdpSocket {
  send(text: string): void
  close(code: number, reason: string): void
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount: number
}

export interface ResumedLogin {
  actor: Actor
  hashedToken: string
  tokenExpires: Date
}

/** What a connection needs from the rest of the service. */
export interface DdpServices {
  resume(token: string): Promise<ResumedLogin | undefined>
  logout(login: ResumedLogin): Promise<void>
  isMember(roomId: string, userId: string): Promise<boolean>
  connected(subscriber: Subscriber): Promise<void>
  disconnected(subscriber: Subscriber): Promise<void>
  /** A connection was closed for reading too slowly (counted in the metrics). */
  slowClosed?(): void
  /** The events after an id, then live delivery (see Hub.replay). */
  replay(subscriber: Subscriber, request: ReplayRequest): Promise<ReplayOutcome>
  log: { warn(details: object, message: string): void }
}

/** Rocket.Chat's Meteor error, as `error` of a `result` or a `nosub`. */
function meteorError(error: string | number, reason?: string) {
  return {
    isClientSafe: true,
    error,
    ...(reason ? { reason } : {}),
    message: reason ? `${reason} [${error}]` : `[${error}]`,
    errorType: 'Meteor.Error',
  }
}

const LOGGED_OUT = "You've been logged out by the server. Please log in again."
const PASSWORD_LOGIN =
  'Only resuming is offered: log in with POST /api/v1/login and resume with its authToken'
const TOO_MANY =
  'Error, too many requests. Please slow down. You must wait 1 seconds before trying again.'
const EVENTS_RESET =
  'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get) and subscribe again without lastEventId'
const VERSIONS = ['1', 'pre2', 'pre1']
/** The longest `lastEventId` read; longer ones are not ids this service gives out. */
const EVENT_ID_MAX = 64
/** How much of a refused frame the error repeats. */
const OFFENDING_MAX = 256

interface StreamSubscription {
  id: string
  stream: string
  eventName: string
  /** The group a subscription is scoped to: it ends when the user leaves the group. */
  roomId?: string
}

type Frame = Record<string, unknown>

/**
 * One client's DDP session over a WebSocket, as Rocket.Chat speaks it: `connect`, heartbeats,
 * `login` by resume token, `logout`, and subscriptions to the streams of private groups.
 * Frames are handled one at a time, in order; limits bound what a client can make it hold.
 */
export class DdpSession implements Subscriber {
  readonly id = randomUUID()
  readonly #socket: DdpSocket
  readonly #services: DdpServices
  readonly #limits: DdpLimits
  #connected = false
  #closed = false
  #login: ResumedLogin | undefined
  #inHub = false
  readonly #subscriptions = new Map<string, StreamSubscription>()
  /** How many subscriptions want each `stream\n eventName`. */
  readonly #wanted = new Map<string, number>()
  #inbox: Promise<void> = Promise.resolve()
  #pending = 0
  #tokens: number
  readonly #now: () => number
  #refilledAt: number
  #lastHeard: number
  #pingSentAt: number | undefined
  #heartbeat: NodeJS.Timeout | undefined
  #deadline: NodeJS.Timeout | undefined

  /** `now` is the clock the rate limit and the heartbeat read. */
  constructor(
    socket: DdpSocket,
    services: DdpServices,
    limits: DdpLimits,
    now: () => number = Date.now,
  ) {
    this.#socket = socket
    this.#services = services
    this.#limits = limits
    this.#tokens = limits.messageBurst
    this.#now = now
    this.#refilledAt = now()
    this.#lastHeard = now()
    this.#deadline = setTimeout(() => this.close(CLOSE.connectTimeout), limits.connectTimeoutMs)
    this.#scheduleHeartbeat(limits.pingAfterMs)
  }

  /** Bytes written to the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.#socket.bufferedAmount
  }

  get userId(): string {
    return this.#login?.actor.id ?? ''
  }

  get username(): string {
    return this.#login?.actor.username ?? ''
  }

  get hashedToken(): string {
    return this.#login?.hashedToken ?? ''
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size
  }

  /** A text frame from the client. */
  receive(text: string): void {
    if (this.#closed) return
    this.#lastHeard = this.#now()
    this.#pingSentAt = undefined
    if (!this.#takeToken()) {
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
    await this.#disconnect()
  }

  close(how: { code: number; reason: string }): void {
    if (this.#closed) return
    if (how === CLOSE.slowClient) this.#services.slowClosed?.()
    this.#stop()
    this.#socket.close(how.code, how.reason)
  }

  // Subscriber

  deliver(frame: EventFrame): void {
    if (this.#closed || !this.#wanted.has(`${frame.stream}\n${frame.eventName}`)) return
    this.#write(frame.text)
  }

  leftRoom(roomId: string): void {
    for (const subscription of [...this.#subscriptions.values()]) {
      if (subscription.roomId !== roomId) continue
      this.#unsubscribe(subscription)
      this.#send({
        msg: 'nosub',
        id: subscription.id,
        error: meteorError('not-allowed'),
      })
    }
  }

  revoke(): void {
    this.close(CLOSE.loggedOut)
  }

  #stop() {
    this.#closed = true
    clearTimeout(this.#heartbeat)
    clearTimeout(this.#deadline)
  }

  #send(frame: Frame) {
    if (this.#closed) return
    this.#write(JSON.stringify(frame))
  }

  /** Replies count against the send buffer too: a client that sends but never reads is closed. */
  #write(text: string) {
    if (this.#socket.bufferedAmount + text.length > this.#limits.sendBufferBytes) {
      this.close(CLOSE.slowClient)
      return
    }
    this.#socket.send(text)
  }

  #scheduleHeartbeat(delayMs: number) {
    this.#heartbeat = setTimeout(() => this.#checkHeartbeat(), delayMs)
    this.#heartbeat.unref?.()
  }

  #checkHeartbeat() {
    if (this.#closed) return
    const now = this.#now()
    if (this.#pingSentAt !== undefined) {
      const waited = now - this.#pingSentAt
      if (waited >= this.#limits.pongTimeoutMs) return this.close(CLOSE.heartbeat)
      return this.#scheduleHeartbeat(this.#limits.pongTimeoutMs - waited)
    }
    const silent = now - this.#lastHeard
    if (silent < this.#limits.pingAfterMs) {
      return this.#scheduleHeartbeat(this.#limits.pingAfterMs - silent)
    }
    this.#pingSentAt = now
    this.#send({ msg: 'ping' })
    this.#scheduleHeartbeat(this.#limits.pongTimeoutMs)
  }

  #takeToken(): boolean {
    const now = this.#now()
    const refill = ((now - this.#refilledAt) / 1000) * this.#limits.messagesPerSecond
    this.#tokens = Math.min(this.#limits.messageBurst, this.#tokens + refill)
    this.#refilledAt = now
    if (this.#tokens < 1 || this.#pending >= this.#limits.messageBurst) return false
    this.#tokens -= 1
    return true
  }

  /** Past the rate: a method or sub is told to slow down; a client that keeps on is closed. */
  #refuseOverLimit(text: string) {
    this.#tokens -= 1
    if (this.#tokens < -this.#limits.messageBurst) return this.close(CLOSE.flood)
    const frame = parse(text)
    if (frame?.msg === 'method' && typeof frame.id === 'string') {
      this.#result(frame.id, { error: meteorError('too-many-requests', TOO_MANY) })
    } else if (frame?.msg === 'sub' && typeof frame.id === 'string') {
      this.#send({ msg: 'nosub', id: frame.id, error: meteorError('too-many-requests', TOO_MANY) })
    }
  }

  #badRequest(text: string) {
    this.#send({
      msg: 'error',
      reason: 'Bad request',
      offendingMessage: text.slice(0, OFFENDING_MAX),
    })
  }

  async #handle(text: string) {
    const frame = parse(text)
    if (!this.#connected) return this.#connect(frame)
    if (!frame) return this.#badRequest(text)
    switch (frame.msg) {
      case 'ping':
        return this.#send(
          typeof frame.id === 'string' ? { msg: 'pong', id: frame.id } : { msg: 'pong' },
        )
      case 'pong':
        return
      case 'method':
        if (typeof frame.id !== 'string' || typeof frame.method !== 'string') {
          return this.#badRequest(text)
        }
        return this.#method(frame.id, frame.method, Array.isArray(frame.params) ? frame.params : [])
      case 'sub':
        if (typeof frame.id !== 'string' || typeof frame.name !== 'string') {
          return this.#badRequest(text)
        }
        return this.#subscribe(
          frame.id,
          frame.name,
          Array.isArray(frame.params) ? frame.params : [],
        )
      case 'unsub': {
        if (typeof frame.id !== 'string') return this.#badRequest(text)
        const subscription = this.#subscriptions.get(frame.id)
        if (subscription) this.#unsubscribe(subscription)
        return this.#send({ msg: 'nosub', id: frame.id })
      }
      default:
        return this.#badRequest(text)
    }
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

  #result(id: string, outcome: { result?: unknown; error?: unknown }) {
    this.#send({ msg: 'result', id, ...outcome })
    this.#send({ msg: 'updated', methods: [id] })
  }

  async #method(id: string, method: string, params: unknown[]) {
    if (method === 'login') return this.#loginMethod(id, params[0])
    if (method === 'logout') {
      const login = this.#login
      if (login) {
        // Out of the hub first: hearing of its own token's deletion, it would close unanswered.
        await this.#disconnect()
        await this.#services.logout(login)
      }
      this.#result(id, {})
      if (login) this.close(CLOSE.protocol)
      return
    }
    this.#result(id, { error: meteorError(404, `Method '${method.slice(0, 100)}' not found`) })
  }

  async #loginMethod(id: string, options: unknown) {
    const resume =
      options !== null && typeof options === 'object' && 'resume' in options
        ? (options as { resume: unknown }).resume
        : undefined
    if (typeof resume !== 'string') {
      return this.#result(id, { error: meteorError(400, PASSWORD_LOGIN) })
    }
    const login = resume ? await this.#services.resume(resume) : undefined
    if (this.#closed) return
    if (!login) return this.#result(id, { error: meteorError(403, LOGGED_OUT) })
    if (this.#login && this.#login.actor.id !== login.actor.id) await this.#leaveHub()
    this.#login = login
    clearTimeout(this.#deadline)
    if (!this.#inHub) {
      this.#inHub = true
      await this.#services.connected(this)
    }
    this.#result(id, {
      result: {
        id: login.actor.id,
        token: resume,
        tokenExpires: { $date: login.tokenExpires.getTime() },
        type: 'resume',
      },
    })
  }

  /** Logged in again as someone else: what the first user subscribed to ends. */
  async #leaveHub() {
    for (const subscription of [...this.#subscriptions.values()]) {
      this.#unsubscribe(subscription)
      this.#send({ msg: 'nosub', id: subscription.id })
    }
    await this.#disconnect()
  }

  /** Out of the hub: no more events, and no more closing when the login goes. */
  async #disconnect() {
    if (!this.#inHub) return
    this.#inHub = false
    await this.#services.disconnected(this)
  }

  #unsubscribe(subscription: StreamSubscription) {
    this.#subscriptions.delete(subscription.id)
    const key = `${subscription.stream}\n${subscription.eventName}`
    const count = (this.#wanted.get(key) ?? 1) - 1
    if (count > 0) this.#wanted.set(key, count)
    else this.#wanted.delete(key)
  }

  async #subscribe(id: string, name: string, params: unknown[]) {
    const refuse = (error: ReturnType<typeof meteorError>) =>
      this.#send({ msg: 'nosub', id, error })
    if (this.#subscriptions.has(id)) return this.#send({ msg: 'ready', subs: [id] })
    if (!STREAMS.has(name))
      return refuse(meteorError(404, `Subscription '${name.slice(0, 100)}' not found`))
    const eventName = params[0]
    if (!this.#login || typeof eventName !== 'string' || eventName.length > 200) {
      return refuse(meteorError('not-allowed'))
    }
    if (this.#subscriptions.size >= this.#limits.maxSubscriptions) {
      return refuse(
        meteorError(
          'too-many-subscriptions',
          `At most ${this.#limits.maxSubscriptions} subscriptions per connection`,
        ),
      )
    }
    const after = lastEventId(params[1])
    if (after !== undefined) return this.#resume(id, name, eventName, after)
    const roomId = await this.#authorize(name, eventName)
    if (this.#closed) return
    if (roomId === false) return refuse(meteorError('not-allowed'))
    this.#register({ id, stream: name, eventName, ...(roomId ? { roomId } : {}) })
  }

  #register(subscription: StreamSubscription) {
    this.#subscriptions.set(subscription.id, subscription)
    const key = `${subscription.stream}\n${subscription.eventName}`
    this.#wanted.set(key, (this.#wanted.get(key) ?? 0) + 1)
    this.#send({ msg: 'ready', subs: [subscription.id] })
  }

  /**
   * A subscription that carries the last event id it received: the events of its stream after
   * that id, then live. A group's stream is open to a user who was its member at any point
   * since the id (they get what they were entitled to, then a `nosub` if they are no longer in
   * it); an id the log no longer holds is refused with `error-events-reset`.
   */
  async #resume(id: string, stream: string, eventName: string, after: string) {
    const scope = await this.#authorize(stream, eventName, { checkMembership: false })
    if (this.#closed) return
    if (scope === false) return this.#send({ msg: 'nosub', id, error: meteorError('not-allowed') })
    const session = this
    const outcome = await this.#services.replay(this, {
      after,
      wants: (frame) => frame.stream === stream && frame.eventName === eventName,
      send: (frame) => this.#writeWhenRoom(frame.text),
      get gone() {
        return session.#closed
      },
      live: (rooms) => {
        if (scope && !rooms.has(scope)) {
          this.#send({ msg: 'nosub', id, error: meteorError('not-allowed') })
          return
        }
        this.#register({ id, stream, eventName, ...(scope ? { roomId: scope } : {}) })
      },
    })
    if (outcome === 'reset') {
      this.#send({ msg: 'nosub', id, error: meteorError('error-events-reset', EVENTS_RESET) })
    }
  }

  /** Writes once the socket's buffer is under half its limit: a replay goes at the client's pace. */
  async #writeWhenRoom(text: string) {
    while (!this.#closed && this.#socket.bufferedAmount > this.#limits.sendBufferBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    if (!this.#closed) this.#write(text)
  }

  /** Whether the user may subscribe: false, or the group the subscription is scoped to. */
  async #authorize(
    stream: string,
    eventName: string,
    { checkMembership = true } = {},
  ): Promise<string | false | undefined> {
    const userId = this.userId
    if (stream === STREAM.user) return eventName.startsWith(`${userId}/`) ? undefined : false
    if (stream === STREAM.logged || stream === STREAM.all || stream === STREAM.roles)
      return undefined
    if (stream === STREAM.roomMessages && eventName === '__my_messages__') return undefined
    const roomId = stream === STREAM.room ? (eventName.split('/')[0] ?? '') : eventName
    if (!roomId) return false
    if (checkMembership && !(await this.#services.isMember(roomId, userId))) return false
    return roomId
  }
}

const STREAMS = new Set<string>(Object.values(STREAM))

/** The `lastEventId` of a subscription's options, when it carries one. */
function lastEventId(options: unknown): string | undefined {
  if (options === null || typeof options !== 'object') return undefined
  const value = (options as { lastEventId?: unknown }).lastEventId
  if (typeof value !== 'string' || value === '') return undefined
  return value.slice(0, EVENT_ID_MAX + 1)
}

function parse(text: string): Frame | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Frame)
      : undefined
  } catch {
    return undefined
  }
}
