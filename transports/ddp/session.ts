import type { Connection, Outbox } from '../../domain/realtime/outbox.js'
import type { Payload } from '../../domain/realtime/payload.js'
import { DdpChannel } from './channel.js'
import {
  CLOSE,
  ddpFrame,
  EVENTS_RESET,
  type Frame,
  LOGGED_OUT,
  lastEventIdOf,
  type MeteorError,
  meteorError,
  PASSWORD_LOGIN,
} from './protocol.js'
import type { ResumedLogin } from './services.js'
import { authorize, STREAMS, type StreamSubscription, Subscriptions } from './subscriptions.js'

/**
 * One client's DDP session over a WebSocket, as Rocket.Chat speaks it: `login` by resume token,
 * `logout`, and subscriptions to the streams of private groups (channel.ts has the wire side).
 * A login opens the session's outbox before it is answered, so every event after the answer
 * (and after any later `ready`) reaches it.
 */
export class DdpSession extends DdpChannel implements Connection {
  readonly #subscriptions = new Subscriptions()
  /**
   * Subscriptions replaying from a client's last id, by id. They run beside each other and
   * beside the session's other frames; each is `cancelled` by an `unsub` of its id.
   */
  readonly #resuming = new Map<string, { cancelled: boolean; done: Promise<void> }>()
  #login: ResumedLogin | undefined
  #outbox: Outbox | undefined

  get userId(): string {
    return this.#login?.actor.id ?? ''
  }

  get hashedToken(): string {
    return this.#login?.hashedToken ?? ''
  }

  override async ended(): Promise<void> {
    await super.ended()
    await this.#resumed()
    await this.#goOffline()
  }

  /** Resolves once no subscription is replaying (a closed connection's stop at once). */
  async #resumed() {
    while (this.#resuming.size > 0) {
      await Promise.all([...this.#resuming.values()].map((resume) => resume.done))
    }
  }

  // Connection: what the registry tells it.

  send(payload: Payload): void {
    if (!this.gone && this.#subscriptions.wants(payload)) this.writer.write(ddpFrame(payload))
  }

  leftRoom(roomId: string): void {
    for (const subscription of this.#subscriptions.all()) {
      if (subscription.roomId !== roomId) continue
      this.#subscriptions.delete(subscription)
      this.nosub(subscription.id, meteorError('not-allowed'))
    }
  }

  revoke(): void {
    this.close(CLOSE.loggedOut)
  }

  protected async handle(frame: Frame | undefined, text: string) {
    if (!frame) return this.badRequest(text)
    const { msg, id } = frame
    const params = Array.isArray(frame.params) ? frame.params : []
    if (msg === 'ping') {
      return this.sendFrame(typeof id === 'string' ? { msg: 'pong', id } : { msg: 'pong' })
    }
    if (msg === 'pong') return
    if (typeof id !== 'string') return this.badRequest(text)
    if (msg === 'method' && typeof frame.method === 'string') {
      return this.#method(id, frame.method, params)
    }
    if (msg === 'sub' && typeof frame.name === 'string') {
      return this.#subscribe(id, frame.name, params)
    }
    if (msg === 'unsub') {
      const subscription = this.#subscriptions.get(id)
      if (subscription) this.#subscriptions.delete(subscription)
      const resuming = this.#resuming.get(id)
      if (resuming) resuming.cancelled = true
      return this.nosub(id)
    }
    return this.badRequest(text)
  }

  async #method(id: string, method: string, params: unknown[]) {
    if (method === 'login') return this.#loginMethod(id, params[0])
    if (method !== 'logout') {
      const error = meteorError(404, `Method '${method.slice(0, 100)}' not found`)
      return this.result(id, { error })
    }
    const login = this.#login
    if (login) {
      await this.#resumed()
      // Out of the registry first: hearing of its own token's deletion, it would close unanswered.
      await this.#goOffline()
      await this.services.logout(login)
    }
    this.result(id, {})
    if (login) this.close(CLOSE.protocol)
  }

  async #loginMethod(id: string, options: unknown) {
    const resume =
      options !== null && typeof options === 'object' && 'resume' in options
        ? (options as { resume: unknown }).resume
        : undefined
    if (typeof resume !== 'string') {
      return this.result(id, { error: meteorError(400, PASSWORD_LOGIN) })
    }
    const login = resume ? await this.services.login(resume) : undefined
    if (this.gone) return
    if (!login) return this.result(id, { error: meteorError(403, LOGGED_OUT) })
    if (this.#login && this.#login.actor.id !== login.actor.id) {
      // Logged in again as someone else: what the first user subscribed to ends.
      for (const resuming of this.#resuming.values()) resuming.cancelled = true
      await this.#resumed()
      for (const subscription of this.#subscriptions.all()) {
        this.#subscriptions.delete(subscription)
        this.nosub(subscription.id)
      }
      await this.#goOffline()
      this.#login = undefined
    }
    const { connections } = this.services
    if (!this.#outbox && !connections.take(login.actor.id)) {
      const reason = `At most ${connections.max} connections per user`
      return this.result(id, { error: meteorError('too-many-connections', reason) })
    }
    this.#login = login
    this.loggedIn()
    if (!this.#outbox) {
      this.#outbox = this.services.outbox(this)
      await this.#outbox.open()
      await this.services.online(this.id, login.actor.id)
    }
    const tokenExpires = { $date: login.tokenExpires.getTime() }
    this.result(id, {
      result: { id: login.actor.id, token: resume, tokenExpires, type: 'resume' },
    })
  }

  /** Out of the registry: no more events, and no more closing when the login goes. */
  async #goOffline() {
    const outbox = this.#outbox
    if (!outbox) return
    this.#outbox = undefined
    this.services.connections.give(this.userId)
    await outbox.close()
    await this.services.offline(this.id)
  }

  async #subscribe(id: string, name: string, params: unknown[]) {
    const refuse = (error: MeteorError) => this.nosub(id, error)
    if (this.#subscriptions.has(id)) return this.sendFrame({ msg: 'ready', subs: [id] })
    // Its replay answers it when done.
    if (this.#resuming.has(id)) return
    if (!STREAMS.has(name)) {
      return refuse(meteorError(404, `Subscription '${name.slice(0, 100)}' not found`))
    }
    const eventName = params[0]
    const outbox = this.#outbox
    if (!outbox || typeof eventName !== 'string' || eventName.length > 200) {
      return refuse(meteorError('not-allowed'))
    }
    const { maxSubscriptions } = this.limits
    if (this.#subscriptions.size + this.#resuming.size >= maxSubscriptions) {
      const reason = `At most ${maxSubscriptions} subscriptions per connection`
      return refuse(meteorError('too-many-subscriptions', reason))
    }
    const after = lastEventIdOf(params[1])
    // A resume's group is open to a user who was its member at any point since the id: they
    // get what they were entitled to, then a `nosub` if they are no longer in it.
    const isMember =
      after === undefined
        ? (roomId: string) => this.services.isMember(roomId, this.userId)
        : undefined
    const scope = await authorize(this.userId, name, eventName, isMember)
    if (this.gone) return
    if (scope === false) return refuse(meteorError('not-allowed'))
    const subscription: StreamSubscription = { id, stream: name, eventName }
    if (scope) subscription.roomId = scope
    if (after === undefined) return this.#ready(subscription)
    const resuming = { cancelled: false, done: Promise.resolve() }
    resuming.done = this.#resume(outbox, subscription, after, resuming)
    this.#resuming.set(id, resuming)
  }

  /**
   * Replays one subscription from the client's last id, then makes it live; runs beside the
   * session's other frames, so the resumes of several subscriptions go together.
   */
  async #resume(
    outbox: Outbox,
    subscription: StreamSubscription,
    after: string,
    resuming: { cancelled: boolean },
  ) {
    const { id, stream, eventName, roomId } = subscription
    const refuse = (error: MeteorError) => {
      if (!resuming.cancelled) this.nosub(id, error)
    }
    try {
      const outcome = await outbox.resume({
        after,
        stopped: () => resuming.cancelled,
        wants: (payload) => payload.stream === stream && payload.eventName === eventName,
        write: (payload) => this.writer.writePaced(ddpFrame(payload)),
        live: (rooms) => {
          if (resuming.cancelled) return
          if (roomId && !rooms.has(roomId)) refuse(meteorError('not-allowed'))
          else this.#ready(subscription)
        },
      })
      this.services.replayed(outcome)
      if (outcome === 'reset') refuse(meteorError('error-events-reset', EVENTS_RESET))
    } catch (err) {
      // As a frame that failed is answered (channel.ts).
      this.services.log.warn({ err }, 'a realtime frame failed')
      this.sendFrame({ msg: 'error', reason: 'The frame could not be handled' })
    } finally {
      this.#resuming.delete(id)
    }
  }

  #ready(subscription: StreamSubscription) {
    this.#subscriptions.add(subscription)
    this.sendFrame({ msg: 'ready', subs: [subscription.id] })
  }
}
