import fp from 'fastify-plugin'
import { listenToChannel } from '../../db/notifications.js'
import { isMember } from '../../db/queries/events.js'
import { deleteLoginToken } from '../../db/queries/tokens.js'
import { loginByToken } from '../../domain/auth/login.js'
import { hashLoginToken } from '../../domain/ids.js'
import { EventLog } from '../../domain/realtime/log/event-log.js'
import { type Connection, Outbox } from '../../domain/realtime/outbox.js'
import { Registry } from '../../domain/realtime/registry.js'
import { EventRelay } from '../../domain/realtime/relay.js'
import { CLOSE } from '../../transports/ddp/protocol.js'
import type { DdpLimits, DdpServices } from '../../transports/ddp/services.js'
import type { DdpSession } from '../../transports/ddp/session.js'
import type { EventStream } from '../../transports/sse/stream.js'
import { UserConnections } from '../../transports/user-connections.js'

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime
  }
}

export interface Realtime {
  log: EventLog
  registry: Registry
  relay: EventRelay
  limits: DdpLimits
  services: DdpServices
  sessions: Set<DdpSession>
  streams: Set<EventStream>
  outbox(connection: Connection): Outbox
}

/** Rocket.Chat's default login expiration; our tokens last until deleted, clients are told this. */
const TOKEN_EXPIRES_AFTER_MS = 90 * 24 * 60 * 60 * 1000
const RELAY_BATCH = 1000
/** The login changes' channel (domain/auth/login-changes.ts). */
const LOGIN_CHANGES_CHANNEL = 'auth_changes'
const START_RETRY_MS = 1000
const START_WAIT_MS = 5000
const CLOSE_WAIT_MS = 1000

/** Resolves when `work` does or `ms` have passed, whichever is first. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([work, timeout])
  clearTimeout(timer)
}

/**
 * The realtime side of one process, wired: the typed event log, the registry of connections,
 * the relay that starts at boot (readiness waits for it), and the login changes that close a
 * connection whose login went, whichever process made the change.
 */
export default fp(
  async (app) => {
    const { db, config, presence, realtimeMetrics: metrics } = app
    const log = new EventLog(db, (error) => {
      app.log.error({ err: error }, 'an event log row is unreadable: skipped')
      metrics.unreadable()
    })
    const registry = new Registry()
    const relay = new EventRelay(
      log,
      registry,
      { pollMs: config.REALTIME_POLL_MS, batchSize: RELAY_BATCH },
      app.log,
    )
    const sessions = new Set<DdpSession>()
    const streams = new Set<EventStream>()
    const outbox = (connection: Connection) => new Outbox(relay, registry, log, connection)
    metrics.watch({
      connections: (transport) => (transport === 'ddp' ? sessions.size : streams.size),
      bufferedBytes: (transport) => {
        let sum = 0
        for (const each of transport === 'ddp' ? sessions : streams) sum += each.bufferedBytes
        return sum
      },
      position: () => (relay.started ? relay.position : undefined),
    })

    /** Closes the connections of a user, or everyone's, whose login no longer logs in. */
    const recheck = (userId?: string) =>
      relay
        .run(async () => {
          for (const recipient of registry.recipients(userId)) {
            const login = await loginByToken(db, recipient.hashedToken, { fresh: true })
            if (login?.id !== recipient.userId) recipient.revoke()
          }
        })
        .catch((err) => app.log.warn({ err }, 'could not recheck realtime logins'))

    const services: DdpServices = {
      async login(token) {
        const hashedToken = hashLoginToken(token)
        const login = await loginByToken(db, hashedToken)
        if (!login) return undefined
        const { tokenCreatedAt, ...actor } = login
        const tokenExpires = new Date(tokenCreatedAt.getTime() + TOKEN_EXPIRES_AFTER_MS)
        return { actor, hashedToken, tokenExpires }
      },
      async logout(login) {
        await deleteLoginToken(db, login.actor.id, login.hashedToken)
        await db.logins.settled()
      },
      isMember: (roomId, userId) => isMember(db, roomId, userId),
      connections: new UserConnections(config.REALTIME_MAX_CONNECTIONS_PER_USER),
      outbox,
      online: (sessionId, userId) => presence.connected(sessionId, userId),
      offline: (sessionId) => presence.disconnected(sessionId),
      replayed: (outcome) => metrics.replayed('ddp', outcome),
      slowClosed: () => metrics.slowClosed('ddp'),
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
    app.decorate('realtime', { log, registry, relay, limits, services, sessions, streams, outbox })

    let loginListener: { close(): Promise<void> } | undefined
    let closing = false
    /** The relay and the login listener, started at boot; retried until they start. */
    const start = async () => {
      if (!relay.started) {
        await relay.start({ listen: (channel, handlers) => listenToChannel(db, channel, handlers) })
      }
      loginListener = await listenToChannel(db, LOGIN_CHANGES_CHANNEL, {
        onListening: () => void recheck(),
        onLost: (err) => app.log.warn({ err }, 'login changes unheard until reconnected'),
        onNotification(payload) {
          const colon = payload.indexOf(':')
          const kind = colon < 0 ? payload : payload.slice(0, colon)
          const value = payload.slice(colon + 1)
          if (kind === 'token') registry.revokeToken(value)
          else if (kind === 'user') void recheck(value)
          else if (kind === 'all') void recheck()
        },
      })
    }
    const attempt = () =>
      start().then(
        () => true,
        (err) => {
          app.log.error({ err }, 'the event relay could not start: retrying')
          return false
        },
      )
    /**
     * Tries until the relay runs or the app closes, a pause between attempts. Booting waits for
     * the first attempt, but a database that does not answer must not hold the boot: past
     * START_WAIT_MS, or once that attempt failed, the process listens unready (/readyz answers
     * 503) and keeps trying.
     */
    const first = attempt()
    const starting = (async () => {
      let started = await first
      while (!closing && !started) {
        await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS))
        started = !closing && (await attempt())
      }
    })()
    app.addHook('onReady', () => within(first, START_WAIT_MS))
    app.addHook('preClose', async () => {
      for (const session of sessions) session.close(CLOSE.shutdown)
      for (const stream of streams) stream.close()
    })
    app.addHook('onClose', async () => {
      closing = true
      await Promise.all([...sessions].map((session) => session.ended()))
      // An attempt hung on a database that does not answer is left behind, not awaited.
      await within(starting, CLOSE_WAIT_MS)
      await loginListener?.close()
      await relay.stop()
    })
  },
  {
    name: 'realtime',
    dependencies: ['config', 'database', 'metrics', 'presence', 'realtime-metrics'],
  },
)
