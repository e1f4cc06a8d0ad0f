import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { type ChannelListener, listenToChannel } from '../../db/notifications.js'
import { countEventsAfter, isMember } from '../../db/queries/events.js'
import { deleteLoginToken, findActorByToken, findLoginByToken } from '../../db/queries/tokens.js'
import { hashLoginToken } from '../../domain/ids.js'
import {
  CLOSE,
  type DdpLimits,
  type DdpServices,
  type DdpSession,
} from '../../domain/realtime/ddp.js'
import type { EventStream } from '../../domain/realtime/event-stream.js'
import { END_OF_TRANSACTION, eventId } from '../../domain/realtime/frames.js'
import { Hub, type ReplayOutcome, type Subscriber } from '../../domain/realtime/hub.js'
import { EventRelay } from '../../domain/realtime/relay.js'

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime
  }
}

/** Rocket.Chat's default login expiration; our tokens last until deleted, clients are told this. */
const TOKEN_EXPIRES_AFTER_MS = 90 * 24 * 60 * 60 * 1000
const RELAY_BATCH = 1000
/** The relay's lag is counted up to this many events. */
const LAG_CAP = 100_000

export interface Realtime {
  hub: Hub
  relay: EventRelay
  limits: DdpLimits
  services: DdpServices
  sessions: Set<DdpSession>
  /** Starts reading the log and watching logins, once, when the first connection arrives. */
  started(): Promise<void>
  /**
   * Starts delivering to an event stream: after `lastEventId` when it has one (a `reset` event
   * first when the log no longer holds it), else from now.
   */
  openEventStream(stream: EventStream, lastEventId?: string): Promise<void>
  /** Counts a replay's outcome, by transport. */
  replayed(transport: 'ddp' | 'sse', outcome: ReplayOutcome): void
  /** Counts a connection closed for reading too slowly. */
  slowClosed(transport: 'ddp' | 'sse'): void
}

const STREAM_RESET =
  'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get), then go on from this event'

interface Presence {
  connected(connectionId: string, userId: string): Promise<void>
  disconnected(connectionId: string): Promise<void>
}

/**
 * The realtime side of one process: the event relay, the hub of its connections, and a listener
 * on login changes that closes the connections of a deleted token, or of a user whose token no
 * longer logs in, within moments, whichever process made the change.
 */
export default fp(
  async (app) => {
    const { db, config } = app
    const hub = new Hub(db)
    const relay = new EventRelay(
      db,
      (events) => hub.deliver(events),
      {
        pollMs: config.REALTIME_POLL_MS,
        batchSize: RELAY_BATCH,
      },
      app.log,
    )
    hub.attach(relay)
    const sessions = new Set<DdpSession>()
    const streams = new Set<EventStream>()
    const replays = app.metricsRegistry
      ? new Counter({
          name: 'realtime_replays_total',
          help: 'Resumptions from an event id, by transport and outcome (live: caught up; reset: the id was unknown or pruned; gone: the client left first)',
          labelNames: ['transport', 'outcome'],
          registers: [app.metricsRegistry],
        })
      : undefined
    const replayed = (transport: 'ddp' | 'sse', outcome: ReplayOutcome) =>
      replays?.inc({ transport, outcome })
    const slowCloses = app.metricsRegistry
      ? new Counter({
          name: 'realtime_slow_client_closes_total',
          help: 'Realtime connections closed because their unsent events passed REALTIME_SEND_BUFFER_BYTES, by transport',
          labelNames: ['transport'],
          registers: [app.metricsRegistry],
        })
      : undefined
    const slowClosed = (transport: 'ddp' | 'sse') => slowCloses?.inc({ transport })
    if (app.metricsRegistry) {
      new Gauge({
        name: 'realtime_connections',
        help: 'Open realtime connections of this process, by transport',
        labelNames: ['transport'],
        registers: [app.metricsRegistry],
        collect() {
          this.set({ transport: 'ddp' }, sessions.size)
          this.set({ transport: 'sse' }, streams.size)
        },
      })
      new Gauge({
        name: 'realtime_send_buffer_bytes',
        help: 'Bytes written to realtime connections and not yet sent, summed over this process, by transport',
        labelNames: ['transport'],
        registers: [app.metricsRegistry],
        collect() {
          let ddp = 0
          for (const session of sessions) ddp += session.bufferedBytes
          let sse = 0
          for (const stream of streams) sse += stream.bufferedBytes
          this.set({ transport: 'ddp' }, ddp)
          this.set({ transport: 'sse' }, sse)
        },
      })
      new Gauge({
        name: 'realtime_relay_lag_events',
        help: `Events of finished transactions this process's relay has not delivered yet (counted up to ${LAG_CAP}; 0 before the first realtime connection starts the relay)`,
        registers: [app.metricsRegistry],
        async collect() {
          if (!starting) return this.set(0)
          try {
            this.set(await countEventsAfter(db, relay.position, LAG_CAP))
          } catch (err) {
            app.log.warn({ err }, 'could not read how far the relay is behind')
          }
        },
      })
    }
    const presence = (): Presence | undefined =>
      app.hasDecorator('presence') ? (app as unknown as { presence: Presence }).presence : undefined

    const recheck = async (subscribers: Subscriber[]) => {
      for (const subscriber of subscribers) {
        const actor = await findActorByToken(db, subscriber.userId, subscriber.hashedToken)
        if (!actor) subscriber.revoke()
      }
    }
    const recheckQuietly = (subscribers: Subscriber[]) =>
      recheck(subscribers).catch((err) =>
        app.log.warn({ err }, 'could not recheck realtime logins'),
      )

    let loginListener: ChannelListener | undefined
    let starting: Promise<void> | undefined
    const started = () => {
      starting ??= (async () => {
        await relay.start()
        loginListener = await listenToChannel(db, 'auth_changes', {
          onListening: () => void recheckQuietly(hub.subscribersOf()),
          onLost: (err) => app.log.warn({ err }, 'login changes unheard until reconnected'),
          onNotification: (payload) => {
            const colon = payload.indexOf(':')
            const kind = colon < 0 ? payload : payload.slice(0, colon)
            const value = payload.slice(colon + 1)
            if (kind === 'token') hub.revokeToken(value)
            else if (kind === 'user') void recheckQuietly(hub.subscribersOf(value))
            else if (kind === 'all') void recheckQuietly(hub.subscribersOf())
          },
        })
      })()
      starting.catch(() => {
        starting = undefined
      })
      return starting
    }

    const services: DdpServices = {
      async resume(token) {
        const hashedToken = hashLoginToken(token)
        const login = await findLoginByToken(db, hashedToken)
        if (!login) return undefined
        const { created_at: createdAt, ...actor } = login
        return {
          actor,
          hashedToken,
          tokenExpires: new Date(createdAt.getTime() + TOKEN_EXPIRES_AFTER_MS),
        }
      },
      async logout(login) {
        await deleteLoginToken(db, login.actor.id, login.hashedToken)
        await db.logins.settled()
      },
      isMember: (roomId, userId) => isMember(db, roomId, userId),
      async connected(subscriber) {
        await started()
        await hub.add(subscriber)
        await presence()?.connected((subscriber as DdpSession).id, subscriber.userId)
      },
      async disconnected(subscriber) {
        await hub.remove(subscriber)
        await presence()?.disconnected((subscriber as DdpSession).id)
      },
      slowClosed: () => slowClosed('ddp'),
      async replay(subscriber, request) {
        await started()
        const outcome = await hub.replay(subscriber.userId, request)
        replayed('ddp', outcome)
        return outcome
      },
      log: app.log,
    }

    const limits: DdpLimits = {
      connectTimeoutMs: config.REALTIME_CONNECT_TIMEOUT_MS,
      loginTimeoutMs: config.REALTIME_LOGIN_TIMEOUT_MS,
      pingAfterMs: config.REALTIME_PING_AFTER_MS,
      pongTimeoutMs: config.REALTIME_PONG_TIMEOUT_MS,
      maxSubscriptions: config.REALTIME_MAX_SUBSCRIPTIONS,
      messagesPerSecond: config.REALTIME_MESSAGES_PER_SECOND,
      messageBurst: config.REALTIME_MESSAGE_BURST,
      sendBufferBytes: config.REALTIME_SEND_BUFFER_BYTES,
    }

    const openEventStream = async (stream: EventStream, lastEventId?: string) => {
      await started()
      streams.add(stream)
      stream.onEnd = () => {
        if (stream.cutOff) slowClosed('sse')
        streams.delete(stream)
        void hub.remove(stream)
      }
      if (stream.closed) return stream.onEnd()
      if (lastEventId) {
        const outcome = await hub.replay(stream.userId, {
          after: lastEventId,
          wants: (frame) => stream.wants(frame),
          send: (frame) => stream.send(frame),
          get gone() {
            return stream.closed
          },
          live: (rooms) => hub.addNow(stream, rooms),
        })
        replayed('sse', outcome)
        if (outcome !== 'reset') return
      }
      await hub.add(stream, (position) => {
        if (lastEventId) {
          const at = position.id > 0 ? eventId(position, END_OF_TRANSACTION) : undefined
          stream.reset(at, STREAM_RESET)
        }
      })
      if (stream.closed) await hub.remove(stream)
    }

    app.decorate('realtime', {
      hub,
      relay,
      limits,
      services,
      sessions,
      started,
      openEventStream,
      replayed,
      slowClosed,
    })
    app.addHook('preClose', async () => {
      for (const session of sessions) session.close(CLOSE.shutdown)
      for (const stream of streams) stream.close()
    })
    app.addHook('onClose', async () => {
      await Promise.all([...sessions].map((session) => session.ended()))
      if (starting) {
        await starting.catch(() => {})
        await loginListener?.close()
        await relay.stop()
      }
    })
  },
  { name: 'realtime', dependencies: ['config', 'database', 'metrics'] },
)
